import type { EntityManager } from '@mikro-orm/postgresql';

import type { RequestOrigin } from '../audit/audit-log.js';
import type { AuditRecorder } from '../audit/recorder.js';
import type { Database, Sql } from '../db/sql.js';
import type { DirectoryEvent } from '../events/event-types.js';
import type { EventRelay } from '../events/notify.js';
import type { SecretBox } from '../lib/encryption.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from '../lib/mailer.js';
import type { Scope, Viewer } from '../tenancy/types.js';
import type { UrlPolicy } from '../webhooks/url-guard.js';
import { createLoaders, type Loaders } from './loaders.js';
import { scopeOf } from './policy.js';

/** What subscriptions and the events API need from the process. */
export interface EventsRuntime {
  readonly relay: EventRelay;
  /** Reads the events table (the ORM's pool): a subscription lives longer than one unit of work. */
  readonly sql: Sql;
  readonly retentionDays: number;
  /** Live events held per subscription before a slow subscriber is disconnected. */
  readonly bufferLimit: number;
  /** Told of each live event a subscription hands to its socket (metrics). */
  readonly onLiveEvent?: (event: DirectoryEvent) => void;
}

/** What webhook mutations need: the secret box and the URL policy. */
export interface WebhooksRuntime {
  readonly box: SecretBox;
  readonly policy: UrlPolicy;
  readonly timeoutMs: number;
}

/** What admin invitations and sessions need. */
export interface AdminsRuntime {
  readonly invitationTtlMs: number;
  /** The link an invitation token is accepted at (ADMIN_INVITATION_URL with the token filled in). */
  invitationUrl(token: string): string;
  readonly sessionTtlMs: number;
  /** Sends invitation emails when SMTP_URL is set. */
  readonly mailer: Mailer | undefined;
  readonly logger: Logger;
}

/** The WebSocket a subscription runs on (absent over HTTP). */
export interface SubscriptionConnection {
  /** Closes the socket with the slow-subscriber close code; the client resumes with `after`. */
  closeSlow(): void;
  /** Closes the socket with 4401: its admin session expired while a subscription was open. */
  closeExpired(): void;
}

/** What resolvers may use; built per HTTP request and per subscription. */
export interface GraphQLContext {
  readonly em: EntityManager;
  /** Plain SQL for the provisioning aggregate (directory users and groups). */
  readonly sql: Database;
  readonly viewer: Viewer;
  /** What the viewer may see (from the policy); UNAUTHENTICATED for an anonymous viewer. */
  readonly scope: () => Scope;
  readonly loaders: Loaders;
  readonly events: EventsRuntime;
  readonly webhooks: WebhooksRuntime;
  /** Base for SCIM URLs, e.g. `https://dsync.example.com`. */
  readonly publicUrl: string;
  /** Writes the audit log (every mutation: audit/audit-mutations.ts). */
  readonly audit: AuditRecorder;
  /** Where the request (or the WebSocket's upgrade request) came from. */
  readonly origin: RequestOrigin;
  readonly admins: AdminsRuntime;
  /** The clock expiry is judged by (tests control it). */
  readonly now: () => Date;
  readonly connection?: SubscriptionConnection;
}

export type SharedContext = Pick<
  GraphQLContext,
  'events' | 'webhooks' | 'sql' | 'publicUrl' | 'audit' | 'admins' | 'now'
>;

export function createContext(
  em: EntityManager,
  viewer: Viewer,
  shared: SharedContext,
  origin: RequestOrigin,
  connection?: SubscriptionConnection,
): GraphQLContext {
  return {
    em,
    viewer,
    origin,
    scope: () => scopeOf(viewer),
    loaders: createLoaders(em, shared.sql, () => scopeOf(viewer)),
    ...shared,
    ...(connection ? { connection } : {}),
  };
}

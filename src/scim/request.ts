import type { Database } from '../db/sql.js';
import type { EventScope } from '../events/event-types.js';

/** A SCIM request after routing and authentication: what handlers see instead of Koa's context. */
export interface ScimRequest {
  /** Plain SQL on the ORM's pool: the provisioning aggregate's one data access. */
  readonly sql: Database;
  readonly directoryId: string;
  /** Environment, organization and directory of the request: where its events belong. */
  readonly scope: EventScope;
  /** The SCIM base URL the IdP used, e.g. `https://dsync.example.com/scim/v2/<directoryId>`. */
  readonly baseUrl: string;
  readonly method: string;
  readonly id: string | undefined;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly body: unknown;
  /** The request's ETag preconditions (RFC 7644 §3.14); absent = none. */
  readonly preconditions?: Preconditions;
}

/** Raw `If-Match` / `If-None-Match` header values, parsed by preconditions.ts where they apply. */
export interface Preconditions {
  readonly ifMatch?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
}

export interface ScimResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

import type { EntityManager } from '@mikro-orm/postgresql';

import type { Sql } from '../db/sql.js';
import { isUuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { createCatchUp } from './catch-up.js';
import { newestPosition, readAllEventsAfter } from './event-log.js';
import type { DirectoryEvent } from './event-types.js';
import { createFanOut } from './fan-out.js';
import { listen } from './listen.js';
import { EVENTS_CHANNEL, type DatabaseFunction } from './outbox.js';

/** Receives every committed event once, in commit order. Must not block: queue and return. */
export type EventSink = (event: DirectoryEvent) => void;

/** The channel a revocation is announced on: the payload is the API key's id (never its secret). */
export const API_KEY_REVOKED_CHANNEL = 'dsync_api_key_revoked';

/** Told the id of every API key revoked in any process (at most once per notification). */
export type RevocationListener = (apiKeyId: string) => void;

/** Announces a revocation to every process's relay; sent when `em`'s transaction (if any) commits. */
export async function notifyApiKeyRevoked(em: EntityManager, apiKeyId: string): Promise<void> {
  await em.execute('select pg_notify(?, ?)', [API_KEY_REVOKED_CHANNEL, apiKeyId]);
}

/** The channel an ended admin session is announced on: payload `<reason>:<session id>` (never the token). */
export const ADMIN_SESSION_ENDED_CHANNEL = 'dsync_admin_session_ended';

/** Why an admin session ended before it expired. */
export type SessionEndReason = 'signed_out' | 'revoked' | 'organization_deleted';

/** Told the id of every admin session ended (signed out, or its admin revoked) in any process. */
export type SessionEndedListener = (sessionId: string, reason: SessionEndReason) => void;

/** Announces ended admin sessions to every process's relay; sent when `em`'s transaction (if any) commits. */
export async function notifyAdminSessionsEnded(
  em: EntityManager,
  sessionIds: readonly string[],
  reason: SessionEndReason,
): Promise<void> {
  for (const id of sessionIds) {
    await em.execute('select pg_notify(?, ?)', [ADMIN_SESSION_ENDED_CHANNEL, `${reason}:${id}`]);
  }
}

function parseSessionEnded(payload: string): { sessionId: string; reason: SessionEndReason } | undefined {
  const match = /^(signed_out|revoked|organization_deleted):(.+)$/.exec(payload);
  if (!match?.[1] || !match[2] || !isUuid(match[2])) return undefined;
  return { sessionId: match[2], reason: match[1] as SessionEndReason };
}

/**
 * The channel on which database triggers announce changes that decide whether a SCIM token authenticates
 * (migration Migration20261130234500): payload `directory:<id>` or `organization:<id>`.
 */
export const SCIM_AUTH_CHANNEL = 'dsync_scim_auth';

/**
 * What a SCIM-auth change names: a directory, an organization, or everything. `unheard`: the listener lost
 * its connection, changes are not heard until `reconnected` (it listens again; whatever was announced
 * meanwhile is unknown).
 */
export type ScimAuthChange =
  | { readonly kind: 'directory' | 'organization'; readonly id: string }
  | { readonly kind: 'everything' | 'unheard' | 'reconnected' };

export type ScimAuthListener = (change: ScimAuthChange) => void;

/** The trigger function that announces SCIM-auth changes (installed by Migration20261130234500). */
export const SCIM_AUTH_FUNCTION: DatabaseFunction = {
  name: 'dsync_notify_scim_auth',
  args: '',
  returns: 'trigger',
  language: 'plpgsql',
  volatility: 'volatile',
  body: `
begin
  if tg_table_name = 'directories' then
    if tg_op = 'UPDATE' then
      perform pg_notify('dsync_scim_auth', 'directory:' || new.id::text);
    elsif tg_op = 'DELETE' then
      perform pg_notify('dsync_scim_auth', 'organization:' || old.organization_id::text);
    else
      perform pg_notify('dsync_scim_auth', 'organization:' || new.organization_id::text);
    end if;
  else
    perform pg_notify('dsync_scim_auth', 'organization:' || old.id::text);
  end if;
  return null;
end
`,
};

/** Its triggers, as `pg_get_triggerdef` prints them. */
export const SCIM_AUTH_TRIGGERS: Readonly<Record<string, string>> = {
  directories_notify_scim_auth:
    'CREATE TRIGGER directories_notify_scim_auth AFTER UPDATE ON public.directories FOR EACH ROW WHEN (((old.token_hash IS DISTINCT FROM new.token_hash) OR (old.state IS DISTINCT FROM new.state) OR (old.provider IS DISTINCT FROM new.provider) OR (old.name IS DISTINCT FROM new.name) OR (old.organization_id IS DISTINCT FROM new.organization_id))) EXECUTE FUNCTION dsync_notify_scim_auth()',
  directories_notify_scim_auth_membership:
    'CREATE TRIGGER directories_notify_scim_auth_membership AFTER INSERT OR DELETE ON public.directories FOR EACH ROW EXECUTE FUNCTION dsync_notify_scim_auth()',
  organizations_notify_scim_auth:
    'CREATE TRIGGER organizations_notify_scim_auth AFTER UPDATE ON public.organizations FOR EACH ROW WHEN ((old.domain IS DISTINCT FROM new.domain)) EXECUTE FUNCTION dsync_notify_scim_auth()',
  organizations_notify_scim_auth_delete:
    'CREATE TRIGGER organizations_notify_scim_auth_delete AFTER DELETE ON public.organizations FOR EACH ROW EXECUTE FUNCTION dsync_notify_scim_auth()',
};

function parseScimAuthChange(payload: string): ScimAuthChange | undefined {
  const match = /^(directory|organization):(.+)$/.exec(payload);
  if (!match?.[1] || !match[2] || !isUuid(match[2])) return undefined;
  return { kind: match[1] as 'directory' | 'organization', id: match[2] };
}

export interface EventRelayOptions {
  readonly databaseUrl: string;
  /** Reads the events table (the ORM's pool). */
  readonly sql: Sql;
  readonly logger: Logger;
  readonly batchSize?: number;
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
}

export interface EventRelay {
  /** The newest commit position handed to the sinks. */
  readonly position: number;
  /** Adds a sink; returns its removal. */
  subscribe(sink: EventSink): () => void;
  /** Adds a listener for revoked API keys ({@link API_KEY_REVOKED_CHANNEL}); returns its removal. */
  onApiKeyRevoked(listener: RevocationListener): () => void;
  /** Adds a listener for ended admin sessions ({@link ADMIN_SESSION_ENDED_CHANNEL}); returns its removal. */
  onAdminSessionEnded(listener: SessionEndedListener): () => void;
  /** Adds a listener for SCIM-auth changes ({@link SCIM_AUTH_CHANNEL}); returns its removal. */
  onScimAuthChanged(listener: ScimAuthListener): () => void;
  /** LISTENs and starts from the newest committed event. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Fan-out of committed events to this process: LISTEN on {@link EVENTS_CHANNEL} (listen.ts); a notification only
 * says "something committed", and the relay reads every event after the last position it handed out from the
 * table, in position (= commit) order (catch-up.ts), and hands each to every sink (fan-out.ts). A dropped
 * connection is re-opened and the relay catches up from the table, so a missed notification loses nothing; no
 * in-process state is needed for correctness. The same connection relays API key revocations
 * ({@link API_KEY_REVOKED_CHANNEL}) to their listeners; one sent while the connection is down is missed, and the
 * key is then refused at the socket's next subscribe.
 */
export function createEventRelay(options: EventRelayOptions): EventRelay {
  const { databaseUrl, sql, logger, batchSize = 1_000, reconnectDelayMs = 250, maxReconnectDelayMs = 5_000 } = options;
  const sinks = createFanOut<DirectoryEvent>(logger, 'event sink failed');
  const revocationListeners = new Set<RevocationListener>();
  const sessionListeners = new Set<SessionEndedListener>();
  const scimAuthListeners = new Set<ScimAuthListener>();
  const tellScimAuth = (change: ScimAuthChange) => {
    for (const listener of scimAuthListeners) listener(change);
  };
  const catchUp = createCatchUp({
    read: (position, limit) => readAllEventsAfter(sql, position, limit),
    publish: (event) => sinks.publish(event),
    logger,
    batchSize,
    retryDelayMs: reconnectDelayMs * 4,
  });

  const onNotification = (channel: string, payload: string | undefined) => {
    if (channel === API_KEY_REVOKED_CHANNEL) {
      const apiKeyId = payload ?? '';
      if (isUuid(apiKeyId)) for (const listener of revocationListeners) listener(apiKeyId);
      return;
    }
    if (channel === ADMIN_SESSION_ENDED_CHANNEL) {
      const ended = parseSessionEnded(payload ?? '');
      if (ended) for (const listener of sessionListeners) listener(ended.sessionId, ended.reason);
      return;
    }
    if (channel === SCIM_AUTH_CHANNEL) {
      const change = parseScimAuthChange(payload ?? '');
      if (change) tellScimAuth(change);
      return;
    }
    // Nobody here listens: the payload (a commit position) is enough to stay current, without a read.
    const notified = Number(payload);
    if (sinks.size === 0 && Number.isSafeInteger(notified) && catchUp.skipTo(notified)) return;
    catchUp.run();
  };

  const listener = listen({
    databaseUrl,
    channels: [EVENTS_CHANNEL, API_KEY_REVOKED_CHANNEL, ADMIN_SESSION_ENDED_CHANNEL, SCIM_AUTH_CHANNEL],
    logger,
    onNotification,
    onReconnected: () => {
      catchUp.run(); // whatever committed while we were away
      tellScimAuth({ kind: 'reconnected' }); // and whatever was announced meanwhile is unknown
    },
    onDisconnected: () => tellScimAuth({ kind: 'unheard' }),
    reconnectDelayMs,
    maxReconnectDelayMs,
  });

  return {
    get position() {
      return catchUp.position;
    },
    subscribe: (sink) => sinks.add(sink),
    onApiKeyRevoked(listener) {
      revocationListeners.add(listener);
      return () => revocationListeners.delete(listener);
    },
    onAdminSessionEnded(listener) {
      sessionListeners.add(listener);
      return () => sessionListeners.delete(listener);
    },
    onScimAuthChanged(listener) {
      scimAuthListeners.add(listener);
      return () => scimAuthListeners.delete(listener);
    },
    async start() {
      await listener.start();
      catchUp.startAt(await newestPosition(sql));
      catchUp.run(); // anything that committed between LISTEN and reading the newest position
    },
    async close() {
      sinks.clear();
      revocationListeners.clear();
      sessionListeners.clear();
      scimAuthListeners.clear();
      await Promise.all([catchUp.close(), listener.close()]);
    },
  };
}

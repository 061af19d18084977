import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';

import { isUuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { newestPosition, readAllEventsAfter } from './event-log.js';
import type { DirectoryEvent } from './event-types.js';
import { EVENTS_CHANNEL, type DatabaseFunction } from './outbox.js';

/** Receives every committed event once, in commit order. Must not block: queue and return. */
export type EventSink = (event: DirectoryEvent) => void;

/** The channel a revocation is announced on: the payload is the API key's id (never its secret). */
export const API_KEY_REVOKED_CHANNEL = 'dsync_api_key_revoked';

/** Told the id of every API key revoked in any process (at most once per notification). */
export type RevocationListener = (apiKeyId: string) => void;

/**
 * The channel on which database triggers announce changes that decide whether a SCIM token authenticates
 * (migration Migration20261130234500): payload `directory:<id>` or `organization:<id>`.
 */
export const SCIM_AUTH_CHANNEL = 'dsync_scim_auth';

/** What a SCIM-auth change names; `everything` after the listener reconnected (changes may have been missed). */
export type ScimAuthChange =
  { readonly kind: 'directory' | 'organization'; readonly id: string } | { readonly kind: 'everything' };

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

/** Announces a revocation to every process's relay; sent when `em`'s transaction (if any) commits. */
export async function notifyApiKeyRevoked(em: EntityManager, apiKeyId: string): Promise<void> {
  await em.execute('select pg_notify(?, ?)', [API_KEY_REVOKED_CHANNEL, apiKeyId]);
}

export interface EventRelayOptions {
  readonly databaseUrl: string;
  /** A fresh EntityManager for reading the events table. */
  readonly fork: () => EntityManager;
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
  /** Adds a listener for SCIM-auth changes ({@link SCIM_AUTH_CHANNEL}); returns its removal. */
  onScimAuthChanged(listener: ScimAuthListener): () => void;
  /** LISTENs and starts from the newest committed event. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Fan-out of committed events to this process: LISTEN on {@link EVENTS_CHANNEL}; a notification only says
 * "something committed", and the relay reads every event after the last position it handed out from the
 * table, in position (= commit) order. A dropped connection is re-opened and the relay catches up from
 * the table, so a missed notification loses nothing; no in-process state is needed for correctness.
 * The same connection relays API key revocations ({@link API_KEY_REVOKED_CHANNEL}) to their listeners; one
 * sent while the connection is down is missed, and the key is then refused at the socket's next subscribe.
 */
export function createEventRelay(options: EventRelayOptions): EventRelay {
  const { databaseUrl, fork, logger, batchSize = 1_000, reconnectDelayMs = 250, maxReconnectDelayMs = 5_000 } = options;
  const sinks = new Set<EventSink>();
  const revocationListeners = new Set<RevocationListener>();
  const scimAuthListeners = new Set<ScimAuthListener>();
  const tellScimAuth = (change: ScimAuthChange) => {
    for (const listener of scimAuthListeners) listener(change);
  };
  let position = 0;
  let client: pg.Client | undefined;
  let closed = false;
  let reading: Promise<void> | undefined;
  let readAgain = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  const publish = (event: DirectoryEvent) => {
    for (const sink of sinks) {
      try {
        sink(event);
      } catch (error) {
        logger.error({ err: error }, 'event sink failed');
      }
    }
  };

  const readNew = async () => {
    do {
      readAgain = false;
      for (;;) {
        const events = await readAllEventsAfter(fork(), position, batchSize);
        for (const event of events) {
          position = event.position;
          publish(event);
        }
        if (events.length < batchSize) break;
      }
    } while (readAgain && !closed);
  };

  /** Coalesces notifications: one read at a time, and one more if anything arrived meanwhile. */
  const catchUp = () => {
    if (closed) return;
    if (reading) {
      readAgain = true;
      return;
    }
    reading = readNew()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'reading new events failed; retrying');
        retryTimer ??= setTimeout(() => {
          retryTimer = undefined;
          catchUp();
        }, reconnectDelayMs * 4);
      })
      .finally(() => {
        reading = undefined;
        if (readAgain) catchUp();
      });
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl, application_name: 'dsync-events' });
    next.on('notification', (message) => {
      if (message.channel === API_KEY_REVOKED_CHANNEL) {
        const apiKeyId = message.payload ?? '';
        if (isUuid(apiKeyId)) for (const listener of revocationListeners) listener(apiKeyId);
        return;
      }
      if (message.channel === SCIM_AUTH_CHANNEL) {
        const change = parseScimAuthChange(message.payload ?? '');
        if (change) tellScimAuth(change);
        return;
      }
      // Nobody here listens: the payload (a commit position) is enough to stay current, without a read.
      const notified = Number(message.payload);
      if (sinks.size === 0 && !reading && Number.isSafeInteger(notified)) position = Math.max(position, notified);
      else catchUp();
    });
    next.on('error', (error) => {
      logger.warn({ err: error }, 'event listener connection failed; reconnecting');
      scheduleReconnect(next);
    });
    next.on('end', () => scheduleReconnect(next));
    await next.connect();
    await next.query(`LISTEN ${EVENTS_CHANNEL}`);
    await next.query(`LISTEN ${API_KEY_REVOKED_CHANNEL}`);
    await next.query(`LISTEN ${SCIM_AUTH_CHANNEL}`);
    client = next;
    // Whatever was announced while no connection listened is unknown: forget every cached authentication.
    tellScimAuth({ kind: 'everything' });
    failures = 0;
  };

  const scheduleReconnect = (failed: pg.Client) => {
    if (closed || client !== failed || reconnectTimer) return;
    client = undefined;
    void failed.end().catch(() => undefined);
    const delay = Math.min(maxReconnectDelayMs, reconnectDelayMs * 2 ** failures);
    failures += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect()
        .then(catchUp) // whatever committed while we were away
        .catch((error: unknown) => {
          logger.warn({ err: error }, 'event listener reconnect failed');
          client = failed; // let scheduleReconnect run again
          scheduleReconnect(failed);
        });
    }, delay);
  };

  return {
    get position() {
      return position;
    },
    subscribe(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    onApiKeyRevoked(listener) {
      revocationListeners.add(listener);
      return () => revocationListeners.delete(listener);
    },
    onScimAuthChanged(listener) {
      scimAuthListeners.add(listener);
      return () => scimAuthListeners.delete(listener);
    },
    async start() {
      await connect();
      position = await newestPosition(fork());
      catchUp(); // anything that committed between LISTEN and reading the newest position
    },
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      clearTimeout(retryTimer);
      sinks.clear();
      revocationListeners.clear();
      scimAuthListeners.clear();
      await reading;
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}

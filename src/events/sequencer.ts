import pg from 'pg';

import type { Logger } from '../lib/logger.js';
import {
  addEndpointJobSql,
  endpointMatchesSql,
  EVENTS_CHANNEL,
  EVENTS_PENDING_CHANNEL,
  NEW_DELIVERY_COLUMNS,
  newDeliveryValues,
  SEQUENCER_LOCK,
} from './outbox.js';

/**
 * What one numbering round did: `busy` when another process held the numbering lock; otherwise how many
 * events it published, and whether committed events are still waiting behind an older open transaction.
 */
type RoundResult =
  | { readonly busy: true }
  | { readonly busy: false; numbered: number; heldBack: boolean; byType: Readonly<Record<string, number>> };

/**
 * Opens the numbering transaction and tries its lock, in one round trip. The horizon: every transaction
 * with an id below it has ended, so all of their committed events are visible and none can insert another.
 */
const BEGIN_LOCK_AND_HORIZON = `begin; select pg_try_advisory_xact_lock(${SEQUENCER_LOCK}) as locked,
  pg_snapshot_xmin(pg_current_snapshot())::text as horizon`;

/**
 * One statement publishes up to $2 pending events below the horizon $1, oldest insert first:
 * - positions: a block reserved from the sequence (nextval, then setval to its end: the lock is held);
 * - sequences: each directory's counter bumped by its count, handed out in insert order; `committed_at` = now;
 * - the transactional outbox: one due delivery per matching endpoint and event, and one queued job per
 *   endpoint (its job key coalesces). Delivery ids (UUIDv7, listed and sent in id order) are generated for
 *   the batch and handed out sorted in event order: ids of one millisecond would otherwise sort at random;
 * - one notification on {@link EVENTS_CHANNEL} with the last position, when anything was numbered.
 * `held` tells whether committed events above the horizon wait for an older transaction to end; `by_type`
 * counts the events it numbered per type (metrics).
 */
const PUBLISH = `
with pending as (
  select id, directory_id, insert_order from events
   where position is null and (xid < $1::xid8 or xid >= pg_snapshot_xmax(pg_current_snapshot()))
     and insert_order < coalesce((select min(insert_order) from events
                                   where position is null and xid >= $1::xid8
                                     and xid < pg_snapshot_xmax(pg_current_snapshot())), 9223372036854775807)
   order by insert_order limit $2
), ranked as (
  select id, directory_id,
         row_number() over (order by insert_order) as k,
         row_number() over (partition by directory_id order by insert_order) as n,
         count(*) over (partition by directory_id) as in_directory
    from pending
), block as (
  select setval('events_position_seq', nextval('events_position_seq') + t.total - 1) - t.total + 1 as first
    from (select count(*) as total from pending) t where t.total > 0
), counters as (
  insert into directory_event_counters as c (directory_id, last_sequence)
  select directory_id, count(*)::int from ranked group by directory_id
  on conflict (directory_id) do update set last_sequence = c.last_sequence + excluded.last_sequence
  returning c.directory_id, c.last_sequence
), numbered as (
  update events e
     set position = b.first + r.k - 1, sequence = c.last_sequence - r.in_directory + r.n, committed_at = clock_timestamp()
    from ranked r join counters c on c.directory_id = r.directory_id cross join block b
   where e.id = r.id
  returning e.id, e.type, e.environment_id, e.organization_id, e.position
), matches as (
  select w.id as webhook_id, n.id as event_id, n.type, row_number() over (order by n.position, w.id) as k
    from numbered n join webhooks w on ${endpointMatchesSql('w', { environment: 'n.environment_id', organization: 'n.organization_id', type: 'n.type' })}
), ids as (
  select id, row_number() over (order by id) as k from (select dsync_uuid_v7() as id from matches) generated
), deliveries as (
  insert into webhook_deliveries (${NEW_DELIVERY_COLUMNS})
  select ${newDeliveryValues('m.webhook_id', 'm.event_id', 'm.type', 'i.id')} from matches m join ids i on i.k = m.k
), queued as (
  select ${addEndpointJobSql('h.webhook_id')} from (select distinct webhook_id from matches) h
), summary as (
  select count(*)::int as numbered, max(position) as last from numbered
)
select s.numbered, (select count(*) from queued) as queued,
       (select coalesce(json_object_agg(type, n), '{}') from (select type, count(*)::int as n from numbered group by type) t) as by_type,
       case when s.numbered > 0 then pg_notify('${EVENTS_CHANNEL}', s.last::text) end as notified,
       exists (select 1 from events where position is null and xid >= $1::xid8 and xid < pg_snapshot_xmax(pg_current_snapshot())) as held
  from summary s`;

/**
 * One numbering transaction on `client`: try the lock (without waiting), publish up to `batchSize` pending
 * events of ended transactions ({@link PUBLISH}), commit: three round trips. Everything or nothing: a round
 * that dies midway leaves every event unnumbered and no delivery.
 */
async function numberPendingEvents(client: pg.ClientBase, batchSize: number): Promise<RoundResult> {
  try {
    const results = (await client.query(BEGIN_LOCK_AND_HORIZON)) as unknown as pg.QueryResult[];
    const lock = results[1]?.rows[0] as { locked: boolean; horizon: string } | undefined;
    if (!lock?.locked) {
      await client.query('rollback');
      return { busy: true };
    }
    const [round] = (
      await client.query<{ numbered: number; held: boolean; by_type: Record<string, number> }>(PUBLISH, [
        lock.horizon,
        batchSize,
      ])
    ).rows;
    await client.query('commit');
    return {
      busy: false,
      numbered: round?.numbered ?? 0,
      heldBack: round?.held === true,
      byType: round?.by_type ?? {},
    };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}

export interface SequencerOptions {
  readonly databaseUrl: string;
  readonly logger: Logger;
  /** Most events numbered per transaction. */
  readonly batchSize?: number;
  /** Rounds without a notification (missed ones; events of another process that stopped). */
  readonly pollIntervalMs?: number;
  /** First retry delay while another process numbers or events are held back; doubles up to `maxRetryDelayMs`. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
  readonly statementTimeoutMs?: number;
  /**
   * Told, after each numbering transaction commits, how many events of each type it published. An event is
   * numbered once (its position is set under the numbering lock), so across processes each is told once.
   */
  readonly onPublished?: (countsByType: Readonly<Record<string, number>>) => void;
}

export interface Sequencer {
  /** Connects, LISTENs on {@link EVENTS_PENDING_CHANNEL} and publishes whatever is pending. */
  start(): Promise<void>;
  /** Runs a round soon: call it after a transaction that inserted events commits (cheap when idle). */
  wake(): void;
  /** Stops the timers, waits for the round in flight and disconnects. */
  close(): Promise<void>;
}

/**
 * The publisher of events, one per process: woken by {@link EVENTS_PENDING_CHANNEL} (writers' commits) and
 * by a periodic poll, it runs numbering rounds on its own connection until nothing is left below the
 * horizon. Several processes may run one: the try-lock lets one number at a time, the others retry.
 */
export function createSequencer(options: SequencerOptions): Sequencer {
  const {
    databaseUrl,
    logger,
    batchSize = 5_000,
    pollIntervalMs = 1_000,
    retryDelayMs = 20,
    maxRetryDelayMs = 200,
  } = options;
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  let client: pg.Client | undefined;
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let nextRetryMs = retryDelayMs;
  // Halved after a round ran past the statement timeout, so that a batch too big to number in time cannot
  // stop publication for good; grows back after each round that succeeds.
  let roundSize = batchSize;

  const connect = async (): Promise<pg.Client> => {
    const next = new pg.Client({
      connectionString: databaseUrl,
      application_name: 'dsync-sequencer',
      statement_timeout: statementTimeoutMs,
      // A process that stalls between publishing and committing must not hold the lock (and everyone's
      // horizon) for long: the server ends such a transaction, and dead peers are noticed by keepalives.
      idle_in_transaction_session_timeout: statementTimeoutMs,
      keepAlive: true,
    });
    next.on('notification', () => wake());
    next.on('error', (error) => {
      logger.warn({ err: error }, 'event sequencer connection failed; reconnecting');
      drop(next);
    });
    next.on('end', () => drop(next));
    await next.connect();
    await next.query(`LISTEN ${EVENTS_PENDING_CHANNEL}`);
    return next;
  };

  const drop = (failed: pg.Client) => {
    if (client !== failed) return;
    client = undefined;
    void failed.end().catch(() => undefined);
  };

  const scheduleRetry = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      wake();
    }, nextRetryMs);
    nextRetryMs = Math.min(maxRetryDelayMs, nextRetryMs * 2);
  };

  /** Rounds while a round numbers a full batch; a busy lock or held-back events retry a little later. */
  const publishAll = async () => {
    client ??= await connect();
    for (;;) {
      const size = roundSize;
      const round = await numberPendingEvents(client, size);
      if (!round.busy) roundSize = Math.min(batchSize, size * 2);
      if (!round.busy && round.numbered > 0) options.onPublished?.(round.byType);
      if (!round.busy && round.numbered > 0) nextRetryMs = retryDelayMs;
      if (!round.busy && round.numbered === size && !closed) continue;
      if (round.busy || round.heldBack) scheduleRetry();
      return;
    }
  };

  /** Coalesces wake-ups: one run at a time, and one more if woken meanwhile. */
  const wake = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    again = false;
    running = publishAll()
      .catch((error: unknown) => {
        if ((error as { code?: unknown }).code === '57014') roundSize = Math.max(1, Math.floor(roundSize / 2));
        logger.error({ err: error, roundSize }, 'numbering events failed; retrying');
        if (client) drop(client);
        scheduleRetry();
      })
      .finally(() => {
        running = undefined;
        if (again) wake();
      });
  };

  return {
    wake,
    async start() {
      client = await connect();
      pollTimer = setInterval(wake, pollIntervalMs);
      wake();
    },
    async close() {
      closed = true;
      clearInterval(pollTimer);
      clearTimeout(retryTimer);
      await running;
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}

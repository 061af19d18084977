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
export type RoundResult = { readonly busy: true } | { readonly busy: false; numbered: number; heldBack: boolean };

/**
 * The horizon: every transaction with an id below it has ended, so all of their committed events are
 * visible and no such transaction can insert another. Taken with the numbering lock in one statement.
 */
const LOCK_AND_HORIZON = `select pg_try_advisory_xact_lock(${SEQUENCER_LOCK}) as locked,
  pg_snapshot_xmin(pg_current_snapshot())::text as horizon`;

/**
 * Numbers the oldest pending events below the horizon ($1), at most $2, in insert order: a block of
 * positions (nextval, then setval to its end: nobody else takes positions, the lock is held), per-directory
 * sequences from each directory's counter, `committed_at` = now. Returns the block's first and last position.
 */
const NUMBER_PENDING = `
with pending as (
  select id, directory_id, insert_order from events
   where position is null and xid < $1::xid8
   order by insert_order limit $2
), ranked as (
  select id, directory_id,
         row_number() over (order by insert_order) as k,
         row_number() over (partition by directory_id order by insert_order) as n,
         count(*) over (partition by directory_id) as in_directory
    from pending
), block as (
  select setval('events_position_seq', nextval('events_position_seq') + t.total - 1) - t.total + 1 as first, t.total
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
  returning e.position
)
select min(position)::text as first, max(position)::text as last, count(*)::int as numbered from numbered`;

/**
 * The transactional outbox, for the events just published (positions $1…$2): one due delivery per matching
 * endpoint and event, and one queued job per endpoint (its job key coalesces). Delivery ids (UUIDv7, listed
 * and sent in id order) are generated for the batch, then handed out sorted in event order: ids of one
 * millisecond would otherwise sort at random.
 */
const ENQUEUE_DELIVERIES = `
with matches as (
  select w.id as webhook_id, e.id as event_id, e.type, row_number() over (order by e.position, w.id) as k
    from events e join webhooks w on ${endpointMatchesSql('w', { environment: 'e.environment_id', organization: 'e.organization_id', type: 'e.type' })}
   where e.position between $1::bigint and $2::bigint
), ids as (
  select id, row_number() over (order by id) as k from (select dsync_uuid_v7() as id from matches) generated
), deliveries as (
  insert into webhook_deliveries (${NEW_DELIVERY_COLUMNS})
  select ${newDeliveryValues('m.webhook_id', 'm.event_id', 'm.type', 'i.id')} from matches m join ids i on i.k = m.k
)
select count(*) from (select ${addEndpointJobSql('h.webhook_id')} from (select distinct webhook_id from matches) h) queued`;

/** Committed events above the horizon: an older transaction is still open and holds them back. */
const HELD_BACK = 'select exists (select 1 from events where position is null) as held';

/**
 * One numbering transaction on `client`: try the lock (without waiting), number up to `batchSize` pending
 * events of ended transactions, create their webhook deliveries, notify {@link EVENTS_CHANNEL} with the last
 * position, commit. Everything or nothing: a round that dies midway leaves every event unnumbered.
 */
export async function numberPendingEvents(client: pg.ClientBase, batchSize: number): Promise<RoundResult> {
  await client.query('begin');
  try {
    const [lock] = (await client.query<{ locked: boolean; horizon: string }>(LOCK_AND_HORIZON)).rows;
    if (!lock?.locked) {
      await client.query('rollback');
      return { busy: true };
    }
    const [block] = (
      await client.query<{ first: string | null; last: string | null; numbered: number }>(NUMBER_PENDING, [
        lock.horizon,
        batchSize,
      ])
    ).rows;
    const numbered = block?.numbered ?? 0;
    if (numbered > 0) {
      await client.query(ENQUEUE_DELIVERIES, [block!.first, block!.last]);
      await client.query('select pg_notify($1, $2)', [EVENTS_CHANNEL, block!.last]);
    }
    const held = numbered < batchSize && (await client.query<{ held: boolean }>(HELD_BACK)).rows[0]?.held === true;
    await client.query('commit');
    return { busy: false, numbered, heldBack: held };
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
}

export interface Sequencer {
  /** Connects, LISTENs on {@link EVENTS_PENDING_CHANNEL} and publishes whatever is pending. */
  start(): Promise<void>;
  /** Stops the timers, waits for the round in flight and disconnects. */
  close(): Promise<void>;
}

/**
 * The publisher of events, one per process: woken by {@link EVENTS_PENDING_CHANNEL} (writers' commits) and
 * by a periodic poll, it runs numbering rounds on its own connection until nothing is left below the
 * horizon. Several processes may run one: the try-lock lets one number at a time, the others retry.
 */
export function createSequencer(options: SequencerOptions): Sequencer {
  const { databaseUrl, logger, batchSize = 5_000, pollIntervalMs = 1_000, retryDelayMs = 20, maxRetryDelayMs = 200 } =
    options;
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  let client: pg.Client | undefined;
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let nextRetryMs = retryDelayMs;

  const connect = async (): Promise<pg.Client> => {
    const next = new pg.Client({
      connectionString: databaseUrl,
      application_name: 'dsync-sequencer',
      statement_timeout: statementTimeoutMs,
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

  /** Rounds until a round numbers less than a full batch; a busy lock or held-back events retry later. */
  const publishAll = async () => {
    client ??= await connect();
    for (;;) {
      const round = await numberPendingEvents(client, batchSize);
      if (round.busy || round.heldBack) {
        if (!round.busy && round.numbered > 0) nextRetryMs = retryDelayMs;
        scheduleRetry();
        return;
      }
      nextRetryMs = retryDelayMs;
      if (round.numbered < batchSize || closed) return;
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
        logger.error({ err: error }, 'numbering events failed; retrying');
        if (client) drop(client);
        scheduleRetry();
      })
      .finally(() => {
        running = undefined;
        if (again) wake();
      });
  };

  return {
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

import { setMaxListeners } from 'node:events';
import { Logger as GraphileLogger, run, runMigrations, type JobHelpers, type Runner, type Task } from 'graphile-worker';
import pg from 'pg';

import type { Sql } from '../db/sql.js';
import { readEventsByIds } from '../events/event-log.js';
import type { DirectoryEvent } from '../events/event-types.js';
import { DELIVER_TASK } from '../events/outbox.js';
import type { SecretBox } from '../lib/encryption.js';
import type { Logger } from '../lib/logger.js';
import { createAttempts } from './attempt.js';
import { claimDueDeliveries, queueNextRun, type ClaimedDelivery } from './claim.js';
import { releaseDelivery, settleDelivery, unsentAttempt, type Settled } from './settle.js';
import type { UrlPolicy } from './url-guard.js';
import { DeliveryStatus, type DeliveryAttempt } from './webhook.entity.js';

export interface WebhookWorkerOptions {
  readonly databaseUrl: string;
  /** Reads events and graphile-worker's lock table (the ORM's pool). */
  readonly sql: Sql;
  readonly box: SecretBox;
  readonly policy: UrlPolicy;
  readonly logger: Logger;
  /** Endpoints served at once by this process; 0 = enqueue only, deliver nothing here. */
  readonly concurrency: number;
  /** Attempts in flight per endpoint. */
  readonly perEndpoint?: number;
  /** Wait before attempt 2, 3, …; after the last one the delivery is `failed`. */
  readonly retryDelaysMs: readonly number[];
  readonly timeoutMs: number;
  /** Jobs locked longer than this belong to a dead process and are released (at-least-once). */
  readonly staleLockMs: number;
  readonly pollIntervalMs?: number;
  readonly now?: () => Date;
  /**
   * Told the new status of a delivery after each attempt this process made, and since when it was due: its
   * event's publication, or the later redeliver/replay that created it (metrics).
   */
  readonly onAttempt?: (status: DeliveryStatus, dueSince: Date) => void;
}

export interface WebhookWorker {
  /** Installs graphile-worker's schema (always) and starts delivering (when concurrency > 0). */
  start(): Promise<void>;
  /**
   * Aborts the attempts in flight (not recorded: their deliveries are due again at once, for the next worker
   * or start), lets the running jobs re-queue themselves, and stops. Once stopped, it stays stopped.
   */
  stop(): Promise<void>;
}

/** A job's own connection (graphile-worker's `helpers.query`) as {@link Sql}. */
function jobSql(helpers: JobHelpers): Sql {
  return {
    query: async <Row>(text: string, params: readonly unknown[] = []) =>
      (await helpers.query(text, params as unknown[])).rows as Row[],
    run: async (text, params = []) => (await helpers.query(text, params as unknown[])).rowCount ?? 0,
  };
}

function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger(() => (level, message) => {
    const name: string = level; // LogLevel is a const enum of strings ('error', 'warning', …)
    if (name === 'error') logger.error({ component: 'graphile-worker' }, message);
    else if (name === 'warning') logger.warn({ component: 'graphile-worker' }, message);
    else logger.debug({ component: 'graphile-worker' }, message);
  });
}

/** graphile-worker 0.16 releases a dead worker's jobs only after 4 hours; dsync does it after `staleLockMs`. */
async function releaseStaleLocks(sql: Sql, staleLockMs: number, logger: Logger): Promise<void> {
  const [row] = await sql.query<{ ids: string[] | null }>(
    'select array_agg(distinct locked_by) as ids from graphile_worker.jobs where locked_by is not null and locked_at < now() - make_interval(secs => $1)',
    [staleLockMs / 1000],
  );
  if (row?.ids?.length) {
    await sql.query('select graphile_worker.force_unlock_workers($1::text[])', [row.ids]);
    logger.warn({ workers: row.ids.length }, 'released webhook jobs of stopped workers');
  }
}

/**
 * Webhook delivery on graphile-worker (a PostgreSQL job queue): one job per endpoint, queued by the sequencer
 * in the transaction that publishes the event (events/sequencer.ts). The job claims the endpoint's due deliveries in leased
 * rounds (claim.ts), attempts each (attempt.ts: sign and POST), and records the outcome (settle.ts): a failed
 * attempt gets its next time from WEBHOOK_RETRY_DELAYS (or Retry-After), and the job re-queues itself for the
 * earliest delivery still pending.
 */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const {
    databaseUrl,
    sql,
    box,
    policy,
    logger,
    concurrency,
    retryDelaysMs,
    timeoutMs,
    staleLockMs,
    perEndpoint = 16,
    pollIntervalMs = 1_000,
    now = () => new Date(),
  } = options;
  // An attempt's lease outlives the attempt; a job run ends (and re-queues itself) long before its lock looks stale.
  const leaseMs = 2 * timeoutMs + 5_000;
  const runBudgetMs = Math.max(1_000, staleLockMs / 2 - timeoutMs);
  const schedule = { retryDelaysMs, now };
  const attempts = createAttempts({ box, policy, timeoutMs, perEndpoint });
  let runner: Runner | undefined;
  let pool: pg.Pool | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  // stop() aborts the attempts in flight, so shutting down never waits for a slow endpoint.
  const stopping = new AbortController();
  // Every attempt in flight listens on it (WEBHOOK_WORKERS endpoints × a claimed batch each): no leak.
  setMaxListeners(0, stopping.signal);

  /**
   * One warn line per failed attempt: the endpoint, the HTTP status or error, and the next attempt time or
   * that it gave up. Never the URL (its query may hold a token), the response body or the secret.
   */
  const logFailure = (delivery: ClaimedDelivery, attempt: DeliveryAttempt, settled: Settled) => {
    logger.warn(
      {
        webhookId: delivery.webhook_id,
        deliveryId: delivery.id,
        attempt: delivery.attempt_count + 1,
        ...(attempt.statusCode !== null ? { statusCode: attempt.statusCode } : {}),
        ...(attempt.error !== null ? { error: attempt.error } : {}),
        ...(settled.nextAttemptAt ? { nextAttemptAt: settled.nextAttemptAt.toISOString() } : { gaveUp: true }),
      },
      settled.nextAttemptAt ? 'webhook attempt failed; retrying' : 'webhook attempt failed; gave up',
    );
  };

  const failWithoutAttempt = async (job: Sql, delivery: ClaimedDelivery, error: string): Promise<void> => {
    const attempt = unsentAttempt(error, now());
    logFailure(delivery, attempt, await settleDelivery(job, delivery, attempt, null, schedule, true));
  };

  /** One delivery: attempt it (unless its endpoint is disabled or its event purged) and settle the outcome. */
  const deliver = async (job: Sql, delivery: ClaimedDelivery, event: DirectoryEvent | undefined): Promise<void> => {
    if (!delivery.enabled) {
      const reason = delivery.disabled_reason ? `: ${delivery.disabled_reason}` : '';
      return failWithoutAttempt(job, delivery, `endpoint disabled${reason}`);
    }
    if (!event) return failWithoutAttempt(job, delivery, 'the event is no longer retained (EVENT_RETENTION_DAYS)');
    const result = await attempts.attempt(delivery, event, stopping.signal);
    if (result.aborted) return releaseDelivery(job, delivery);
    const settled = await settleDelivery(job, delivery, result.attempt, result.retryAfterMs, schedule);
    if (!result.attempt.success) logFailure(delivery, result.attempt, settled);
    options.onAttempt?.(settled.status, new Date(Math.max(event.committedAt.getTime(), delivery.created_ms)));
  };

  const deliverOrRecordFailure = async (job: Sql, delivery: ClaimedDelivery, event: DirectoryEvent | undefined) => {
    try {
      await deliver(job, delivery, event);
    } catch (error) {
      logger.error({ err: error, deliveryId: delivery.id }, 'webhook attempt failed unexpectedly');
      const message = error instanceof Error ? error.message : String(error);
      await settleDelivery(job, delivery, unsentAttempt(`internal error: ${message}`, now()), null, schedule);
    }
  };

  /**
   * One endpoint's job: claim its due deliveries a batch at a time, attempt them `perEndpoint` at a time, and
   * finally queue the job again for the earliest delivery still pending.
   */
  const deliverForEndpoint: Task = async (payload, helpers) => {
    const webhookId =
      typeof payload === 'object' && payload !== null && 'webhookId' in payload ? payload.webhookId : undefined;
    if (typeof webhookId !== 'string') return;
    const job = jobSql(helpers);
    const started = Date.now();
    // Each round claims only what it sends at once, so every lease outlives its attempt; the run stops after
    // its time budget, well inside WEBHOOK_STALE_LOCK_MS, and the re-queue below continues the backlog.
    while (Date.now() - started < runBudgetMs && !stopping.signal.aborted) {
      const claimed = await claimDueDeliveries(job, webhookId, leaseMs / 1000, perEndpoint);
      if (claimed.length === 0) break;
      const eventIds = claimed.flatMap((delivery) => (delivery.event_id ? [delivery.event_id] : []));
      const events = await readEventsByIds(sql, eventIds);
      await Promise.all(
        claimed.map((delivery) =>
          deliverOrRecordFailure(job, delivery, delivery.event_id ? events.get(delivery.event_id) : undefined),
        ),
      );
    }
    await queueNextRun(job, webhookId);
  };

  return {
    async start() {
      const common = { connectionString: databaseUrl, logger: graphileLogger(logger), noHandleSignals: true } as const;
      if (concurrency === 0) {
        await runMigrations(common);
        return;
      }
      // Our own pool, ended (and awaited) in stop(): graphile-worker does not wait for the pool it creates,
      // and a connection of it that ended late raised an unhandled error when the database went away.
      pool = new pg.Pool({ connectionString: databaseUrl, max: concurrency + 2 });
      pool.on('error', (error) => logger.warn({ err: error }, 'webhook worker database connection failed'));
      runner = await run({
        logger: common.logger,
        noHandleSignals: true,
        pgPool: pool,
        concurrency,
        pollInterval: pollIntervalMs,
        taskList: { [DELIVER_TASK]: deliverForEndpoint },
      });
      await releaseStaleLocks(sql, staleLockMs, logger);
      sweeper = setInterval(
        () => {
          releaseStaleLocks(sql, staleLockMs, logger).catch((error: unknown) =>
            logger.error({ err: error }, 'releasing stale webhook jobs failed'),
          );
        },
        Math.max(1_000, staleLockMs / 2),
      );
      sweeper.unref();
    },
    async stop() {
      clearInterval(sweeper);
      stopping.abort();
      await runner?.stop();
      runner = undefined;
      await pool?.end();
      pool = undefined;
      attempts.close();
    },
  };
}

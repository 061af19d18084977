import http from 'node:http';
import https from 'node:https';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Logger as GraphileLogger, run, runMigrations, type Runner, type Task } from 'graphile-worker';

import { toDirectoryEvent } from '../events/event-log.js';
import { toPublicEvent } from '../events/event-types.js';
import { DELIVER_TASK, endpointJobKey } from '../events/outbox.js';
import type { SecretBox } from '../lib/encryption.js';
import { storableText } from '../lib/json-guard.js';
import type { Logger } from '../lib/logger.js';
import { deliverOnce } from './deliver.js';
import type { UrlPolicy } from './url-guard.js';
import { DeliveryStatus, type DeliveryAttempt } from './webhook.entity.js';

export interface WebhookWorkerOptions {
  readonly databaseUrl: string;
  readonly fork: () => EntityManager;
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

const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

type Query = (sql: string, values: unknown[]) => Promise<unknown>;

/** Decrypted secrets by sealed value (a rotation seals anew, so entries never go stale); bounded. */
class SecretCache {
  private readonly entries = new Map<string, string>();
  constructor(
    private readonly box: SecretBox,
    private readonly max = 1_000,
  ) {}
  get(sealed: string): string {
    let plain = this.entries.get(sealed);
    if (plain === undefined) {
      plain = this.box.decrypt(sealed);
      if (this.entries.size >= this.max) this.entries.clear();
      this.entries.set(sealed, plain);
    }
    return plain;
  }
}

/** A delivery with its endpoint and event, as one row. */
interface DeliveryJob {
  id: string;
  attempt_count: number;
  /** The claimed lease, as PostgreSQL printed it (microseconds kept): settle only with our own lease. */
  lease_until: string;
  url: string;
  secret_sealed: string;
  enabled: boolean;
  disabled_reason: string | null;
  event_id: string | null;
  position: string;
  sequence: number;
  type: string;
  created_at: Date;
  environment_id: string;
  organization_id: string;
  directory_id: string;
  data: Record<string, unknown>;
}

function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger(() => (level, message) => {
    const name: string = level; // LogLevel is a const enum of strings ('error', 'warning', …)
    if (name === 'error') logger.error({ component: 'graphile-worker' }, message);
    else if (name === 'warning') logger.warn({ component: 'graphile-worker' }, message);
    else logger.debug({ component: 'graphile-worker' }, message);
  });
}

/**
 * Webhook delivery on graphile-worker (a PostgreSQL job queue): one job per endpoint, queued in the event's
 * transaction by the `events_enqueue_webhooks` trigger. The job sends the endpoint's due deliveries in leased
 * rounds; a failed attempt is recorded with its next time from WEBHOOK_RETRY_DELAYS (or Retry-After), and the
 * job re-queues itself for the earliest delivery still pending.
 */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const {
    databaseUrl,
    fork,
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
  let runner: Runner | undefined;
  const secrets = new SecretCache(box);
  // Keep-alive connections to endpoints; each new connection's address is checked by the guarded lookup.
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: perEndpoint }),
    https: new https.Agent({ keepAlive: true, maxSockets: perEndpoint }),
  };
  let sweeper: NodeJS.Timeout | undefined;
  // stop() aborts the attempts in flight, so shutting down never waits for a slow endpoint.
  const stopping = new AbortController();

  /**
   * Records an attempt and decides what follows, in one statement: done, failed for good (410 Gone also
   * disables the endpoint), or pending again with `next_attempt_at` from WEBHOOK_RETRY_DELAYS (or
   * Retry-After). The endpoint's job picks it up when it comes due.
   */
  const settle = async (
    query: Query,
    job: DeliveryJob,
    attempt: DeliveryAttempt,
    retryAfterMs: number | null,
    final = false,
  ) => {
    const attemptCount = job.attempt_count + 1;
    const gone = attempt.statusCode === 410;
    let status: DeliveryStatus;
    let nextAttemptAt: Date | null = null;
    if (attempt.success) status = DeliveryStatus.SUCCEEDED;
    else if (final || gone || attemptCount > retryDelaysMs.length) status = DeliveryStatus.FAILED;
    else {
      status = DeliveryStatus.PENDING;
      const delay =
        retryAfterMs !== null
          ? Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)
          : (retryDelaysMs[attemptCount - 1] as number);
      nextAttemptAt = new Date(now().getTime() + delay);
    }
    await query(
      `with updated as (
         update webhook_deliveries set status = $1::text, attempts = attempts || $2::jsonb, attempt_count = $3::int,
                next_attempt_at = $4::timestamptz, lease_until = null, updated_at = now()
          where id = $5::uuid and status = 'pending' and lease_until = $8::timestamptz returning webhook_id
       )
       update webhooks set enabled = false, disabled_reason = $6::text, updated_at = now() where $7::boolean and id in (select webhook_id from updated)`,
      [
        status,
        JSON.stringify([attempt]),
        attemptCount,
        nextAttemptAt,
        job.id,
        `the endpoint answered 410 Gone at ${attempt.attemptedAt}`,
        gone,
        job.lease_until,
      ],
    );
  };

  /** An attempt that never reached the endpoint. */
  const unsent = (error: string): DeliveryAttempt => ({
    attemptedAt: now().toISOString(),
    statusCode: null,
    durationMs: 0,
    responseExcerpt: null,
    error: storableText(error),
    success: false,
  });

  /** An attempt cut short by stop() is not recorded: the delivery is released as it was, due at once. */
  const release = (query: Query, job: DeliveryJob) =>
    query(
      `update webhook_deliveries set lease_until = null where id = $1::uuid and status = 'pending' and lease_until = $2::timestamptz`,
      [job.id, job.lease_until],
    );

  const failWithoutAttempt = (query: Query, job: DeliveryJob, error: string) =>
    settle(query, job, unsent(error), null, true);

  const attemptOne = async (query: Query, job: DeliveryJob): Promise<void> => {
    try {
      await attemptOrFail(query, job);
    } catch (error) {
      logger.error({ err: error, deliveryId: job.id }, 'webhook attempt failed unexpectedly');
      const message = error instanceof Error ? error.message : String(error);
      await settle(query, job, unsent(`internal error: ${message}`), null);
    }
  };

  const attemptOrFail = async (query: Query, job: DeliveryJob) => {
    if (!job.enabled)
      return failWithoutAttempt(
        query,
        job,
        `endpoint disabled${job.disabled_reason ? `: ${job.disabled_reason}` : ''}`,
      );
    if (!job.event_id) return failWithoutAttempt(query, job, 'the event is no longer retained (EVENT_RETENTION_DAYS)');
    const event = toPublicEvent(toDirectoryEvent({ ...job, id: job.event_id }));
    const result = await deliverOnce(
      job.url,
      secrets.get(job.secret_sealed),
      { id: event.id, body: JSON.stringify(event) },
      { policy, timeoutMs, agents, signal: stopping.signal },
    );
    if (result.aborted) return release(query, job);
    return settle(query, job, result.attempt, result.retryAfterMs);
  };

  /**
   * One endpoint's job: claim its due deliveries a batch at a time (a lease, `for update skip locked`, so
   * several workers and processes never take the same one), attempt them `perEndpoint` at a time, and
   * finally queue the job again for the earliest delivery still pending (a retry, or a lease that a crashed
   * worker left behind).
   */
  const deliverForEndpoint: Task = async (payload, helpers) => {
    const webhookId =
      typeof payload === 'object' && payload !== null && 'webhookId' in payload ? payload.webhookId : undefined;
    if (typeof webhookId !== 'string') return;
    const query: Query = (sql, values) => helpers.query(sql, values);
    const leaseSeconds = leaseMs / 1000;
    const started = Date.now();
    // Each round claims only what it sends at once, so every lease outlives its attempt; the run stops after
    // its time budget, well inside WEBHOOK_STALE_LOCK_MS, and the re-queue below continues the backlog.
    while (Date.now() - started < runBudgetMs && !stopping.signal.aborted) {
      const { rows } = await helpers.query<DeliveryJob>(
        `with claimed as (
           update webhook_deliveries d set lease_until = now() + make_interval(secs => $2::float8)
            where d.id in (select id from webhook_deliveries
                            where webhook_id = $1::uuid and status = 'pending' and next_attempt_at <= now()
                              and (lease_until is null or lease_until < now())
                            order by next_attempt_at, id limit $3::int for update skip locked)
           returning d.id, d.attempt_count, d.lease_until::text as lease_until, d.event_id as claimed_event_id, d.webhook_id
         )
         select c.id, c.attempt_count, c.lease_until, w.url, w.secret_sealed, w.enabled, w.disabled_reason,
                e.id as event_id, e.position, e.sequence, e.type, e.created_at, e.environment_id, e.organization_id, e.directory_id, e.data
           from claimed c join webhooks w on w.id = c.webhook_id left join events e on e.id = c.claimed_event_id
          order by c.id`,
        [webhookId, leaseSeconds, perEndpoint],
      );
      if (rows.length === 0) break;
      await Promise.all(rows.map((row) => attemptOne(query, row)));
    }
    await helpers.query(
      // preserve_run_at: a job queued meanwhile by a new event (due now) keeps its time.
      `select graphile_worker.add_job($1::text, json_build_object('webhookId', $2::text), run_at := greatest(at, now()), job_key := $3::text,
                                      job_key_mode := 'preserve_run_at')
         from (select min(greatest(next_attempt_at, coalesce(lease_until, next_attempt_at))) as at
                 from webhook_deliveries where webhook_id = $2::uuid and status = 'pending') due
        where at is not null`,
      [DELIVER_TASK, webhookId, endpointJobKey(webhookId)],
    );
  };

  /** graphile-worker 0.16 releases a dead worker's jobs only after 4 hours; dsync does it after `staleLockMs`. */
  const releaseStaleLocks = async () => {
    const em = fork();
    const [row] = await em.execute<{ ids: string[] | null }[]>(
      'select array_agg(distinct locked_by) as ids from graphile_worker.jobs where locked_by is not null and locked_at < now() - make_interval(secs => ?)',
      [staleLockMs / 1000],
    );
    if (row?.ids?.length) {
      await em.execute(
        'select graphile_worker.force_unlock_workers(array(select jsonb_array_elements_text(?::jsonb)))',
        [JSON.stringify(row.ids)],
      );
      logger.warn({ workers: row.ids.length }, 'released webhook jobs of stopped workers');
    }
  };

  return {
    async start() {
      const common = { connectionString: databaseUrl, logger: graphileLogger(logger), noHandleSignals: true } as const;
      if (concurrency === 0) {
        await runMigrations(common);
        return;
      }
      runner = await run({
        ...common,
        concurrency,
        pollInterval: pollIntervalMs,
        taskList: { [DELIVER_TASK]: deliverForEndpoint },
      });
      await releaseStaleLocks();
      sweeper = setInterval(
        () => {
          releaseStaleLocks().catch((error: unknown) =>
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
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

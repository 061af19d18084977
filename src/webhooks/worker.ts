import type { EntityManager } from '@mikro-orm/postgresql';
import { Logger as GraphileLogger, run, runMigrations, type Runner, type Task } from 'graphile-worker';
import { toDirectoryEvent } from '../events/event-log.js';
import { toPublicEvent } from '../events/event-types.js';
import type { SecretBox } from '../lib/encryption.js';
import type { Logger } from '../lib/logger.js';
import { deliverOnce, type DeliveryResult } from './deliver.js';
import type { UrlPolicy } from './url-guard.js';
import { DeliveryStatus, WebhookDelivery } from './webhook.entity.js';

export const DELIVER_TASK = 'deliver_webhook';

export interface WebhookWorkerOptions {
  readonly databaseUrl: string;
  readonly fork: () => EntityManager;
  readonly box: SecretBox;
  readonly policy: UrlPolicy;
  readonly logger: Logger;
  /** Deliveries in flight in this process; 0 = enqueue only, deliver nothing here. */
  readonly concurrency: number;
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
  stop(): Promise<void>;
}

const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger(() => (level, message) => {
    if (level === 'error') logger.error({ component: 'graphile-worker' }, message);
    else if (level === 'warning') logger.warn({ component: 'graphile-worker' }, message);
    else logger.debug({ component: 'graphile-worker' }, message);
  });
}

/**
 * Webhook delivery on graphile-worker (a PostgreSQL job queue): one job per delivery, queued in the event's
 * transaction by the `events_enqueue_webhooks` trigger. A job sends one attempt; a failed attempt is recorded
 * and the next one queued with `run_at` from WEBHOOK_RETRY_DELAYS (or Retry-After), in one transaction.
 */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { databaseUrl, fork, box, policy, logger, concurrency, retryDelaysMs, timeoutMs, staleLockMs, pollIntervalMs = 1_000, now = () => new Date() } = options;
  let runner: Runner | undefined;
  let sweeper: NodeJS.Timeout | undefined;

  const settle = async (delivery: WebhookDelivery, result: DeliveryResult | { error: string }) => {
    const em = fork();
    await em.transactional(async (tx) => {
      const current = await tx.findOne(WebhookDelivery, { id: delivery.id }, { populate: ['webhook'] });
      if (!current) return;
      if ('attempt' in result) {
        current.attempts = [...current.attempts, result.attempt];
        current.attemptCount += 1;
      }
      const attempt = 'attempt' in result ? result.attempt : null;
      if (attempt?.success) {
        current.status = DeliveryStatus.SUCCEEDED;
        current.nextAttemptAt = null;
      } else if (!attempt) {
        current.status = DeliveryStatus.FAILED;
        current.nextAttemptAt = null;
        current.attempts = [...current.attempts, { attemptedAt: now().toISOString(), statusCode: null, durationMs: 0, responseExcerpt: null, error: 'error' in result ? result.error : null, success: false }];
      } else if (attempt.statusCode === 410) {
        current.status = DeliveryStatus.FAILED;
        current.nextAttemptAt = null;
        current.webhook.enabled = false;
        current.webhook.disabledReason = `the endpoint answered 410 Gone at ${attempt.attemptedAt}`;
      } else if (current.attemptCount > retryDelaysMs.length) {
        current.status = DeliveryStatus.FAILED;
        current.nextAttemptAt = null;
      } else {
        const retryAfter = 'retryAfterMs' in result && result.retryAfterMs !== null ? Math.min(result.retryAfterMs, MAX_RETRY_AFTER_MS) : null;
        const delay = retryAfter ?? (retryDelaysMs[current.attemptCount - 1] as number);
        current.nextAttemptAt = new Date(now().getTime() + delay);
        await tx.execute(`select graphile_worker.add_job(?, json_build_object('deliveryId', ?::text), run_at := ?, job_key := ?)`, [
          DELIVER_TASK,
          current.id,
          current.nextAttemptAt,
          current.id,
        ]);
      }
    });
  };

  const deliver: Task = async (payload) => {
    const deliveryId = typeof payload === 'object' && payload !== null && 'deliveryId' in payload ? payload.deliveryId : undefined;
    if (typeof deliveryId !== 'string') return;
    const em = fork();
    const delivery = await em.findOne(WebhookDelivery, { id: deliveryId }, { populate: ['webhook'] });
    if (!delivery || delivery.status !== DeliveryStatus.PENDING) return; // done already, or the endpoint is gone
    if (!delivery.webhook.enabled) return settle(delivery, { error: `endpoint disabled${delivery.webhook.disabledReason ? `: ${delivery.webhook.disabledReason}` : ''}` });
    const [row] = await em.execute('select id, position, sequence, type, created_at, environment_id, organization_id, directory_id, data from events where id = ?', [delivery.eventId]);
    if (!row) return settle(delivery, { error: 'the event is no longer retained (EVENT_RETENTION_DAYS)' });
    const event = toPublicEvent(toDirectoryEvent(row as never));
    const result = await deliverOnce(delivery.webhook.url, box.decrypt(delivery.webhook.secretSealed), { id: event.id, body: JSON.stringify(event) }, { policy, timeoutMs });
    await settle(delivery, result);
  };

  /** graphile-worker 0.16 releases a dead worker's jobs only after 4 hours; dsync does it after `staleLockMs`. */
  const releaseStaleLocks = async () => {
    const em = fork();
    const [row] = await em.execute<{ ids: string[] | null }[]>(
      'select array_agg(distinct locked_by) as ids from graphile_worker.jobs where locked_by is not null and locked_at < now() - make_interval(secs => ?)',
      [staleLockMs / 1000],
    );
    if (row?.ids?.length) {
      await em.execute('select graphile_worker.force_unlock_workers(array(select jsonb_array_elements_text(?::jsonb)))', [JSON.stringify(row.ids)]);
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
      runner = await run({ ...common, concurrency, pollInterval: pollIntervalMs, taskList: { [DELIVER_TASK]: deliver } });
      await releaseStaleLocks();
      sweeper = setInterval(() => {
        releaseStaleLocks().catch((error: unknown) => logger.error({ err: error }, 'releasing stale webhook jobs failed'));
      }, Math.max(1_000, staleLockMs / 2));
      sweeper.unref();
    },
    async stop() {
      clearInterval(sweeper);
      await runner?.stop();
      runner = undefined;
    },
  };
}

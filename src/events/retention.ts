import type { Sql } from '../db/sql.js';
import type { Logger } from '../lib/logger.js';
import { purgeEventsBefore } from './event-log.js';

export interface RetentionOptions {
  readonly sql: Sql;
  readonly logger: Logger;
  readonly retentionDays: number;
  readonly intervalMs?: number;
  readonly now?: () => Date;
}

export interface RetentionJob {
  /** Purges once now, then every `intervalMs`. */
  start(): void;
  /** One purge; resolves with how many events went. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Deletes events older than the retention window, periodically, in every process: the delete is
 * idempotent, so several processes need no coordination.
 */
export function createRetentionJob({
  sql,
  logger,
  retentionDays,
  intervalMs = 3_600_000,
  now = () => new Date(),
}: RetentionOptions): RetentionJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  const runOnce = () => {
    running ??= purgeEventsBefore(sql, new Date(now().getTime() - retentionDays * 86_400_000))
      .then((purged) => {
        if (purged > 0) logger.info({ purged, retentionDays }, 'purged expired events');
        return purged;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const tick = () => {
    runOnce().catch((error: unknown) => logger.error({ err: error }, 'event purge failed'));
  };

  return {
    start() {
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    runOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => 0);
    },
  };
}

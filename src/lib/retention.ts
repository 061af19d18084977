import type { Logger } from './logger.js';

export interface RetentionOptions {
  /** What is purged, plural, for the log lines: `events`, `audit log entries`. */
  readonly what: string;
  /** Deletes the rows created before `cutoff`; resolves with how many went. Idempotent. */
  readonly purge: (cutoff: Date) => Promise<number>;
  readonly logger: Logger;
  readonly retentionDays: number;
  readonly intervalMs?: number;
  readonly now?: () => Date;
}

export interface RetentionJob {
  /** Purges once now, then every `intervalMs`. */
  start(): void;
  /** One purge; resolves with how many rows went. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Deletes rows older than a retention window, periodically, in every process: the delete is idempotent, so
 * several processes need no coordination.
 */
export function createRetentionJob({
  what,
  purge,
  logger,
  retentionDays,
  intervalMs = 3_600_000,
  now = () => new Date(),
}: RetentionOptions): RetentionJob {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  const runOnce = () => {
    running ??= purge(new Date(now().getTime() - retentionDays * 86_400_000))
      .then((purged) => {
        if (purged > 0) logger.info({ purged, retentionDays }, `purged expired ${what}`);
        return purged;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const tick = () => {
    runOnce().catch((error: unknown) => logger.error({ err: error }, `purge of expired ${what} failed`));
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

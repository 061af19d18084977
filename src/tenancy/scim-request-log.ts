import type { Sql } from '../db/sql.js';
import { errorMessage } from '../lib/error-message.js';
import type { Logger } from '../lib/logger.js';
import { createHealthTally } from './directory-health.js';
import { purgeRequestCounts, upsertHealth } from './directory-health.sql.js';
import {
  insertRequestLog,
  purgeRequestLog,
  trimRequestLog,
  type ScimRequestLogRecord,
} from './scim-request-log.sql.js';

export interface ScimRequestLogOptions {
  readonly sql: Sql;
  readonly logger: Logger;
  /** Entries kept per directory (SCIM_REQUEST_LOG_SIZE, ≥ 1). */
  readonly size: number;
  /** Entries older than this many days go (SCIM_REQUEST_LOG_DAYS). */
  readonly retentionDays: number;
  /** Entries written per statement; a queue this long is flushed at once. */
  readonly batchSize?: number;
  readonly flushIntervalMs?: number;
  /** Entries waiting at most; beyond, the oldest are dropped (a slow database never holds requests up). */
  readonly maxQueued?: number;
  /** Failed authentications recorded per minute per URL target in this process; the rest are only counted. */
  readonly authFailuresPerMinute?: number;
  readonly sweepIntervalMs?: number;
  readonly now?: () => number;
}

/**
 * The per-directory SCIM request log's writer: {@link ScimRequestLog.record} only queues (it never waits or
 * throws); a timer, or a full batch, writes the queue in one multi-row INSERT outside any request's
 * transaction, then trims the directories it touched to the newest `size` entries and the retention window.
 * An hourly sweep purges directories that got no traffic. Write failures drop that batch with one warning.
 *
 * Each flush also writes directory health (directory-health.ts): every request recorded, before the log's
 * limits, is tallied in memory and upserted in one statement per flush; the sweep drops hourly counts older
 * than two days.
 */
export interface ScimRequestLog {
  record(entry: ScimRequestLogRecord): void;
  /** Writes everything queued so far. */
  flush(): Promise<void>;
  /** Stops the timers and writes what is queued. */
  stop(): Promise<void>;
}

/** Hourly request counts are kept this long (health reads the last 24 hours). */
const COUNTS_KEPT_MS = 2 * 86_400_000;

/** Most distinct URL targets whose failed authentications are counted per minute (memory bound). */
const MAX_AUTH_FAILURE_TARGETS = 10_000;

export function createScimRequestLog({
  sql,
  logger,
  size,
  retentionDays,
  batchSize = 100,
  flushIntervalMs = 1_000,
  maxQueued = 1_000,
  authFailuresPerMinute = 10,
  sweepIntervalMs = 3_600_000,
  now = Date.now,
}: ScimRequestLogOptions): ScimRequestLog {
  let queue: ScimRequestLogRecord[] = [];
  // Entries dropped because the queue was full: reported (as a warning) after each flush.
  let overflow = 0;
  let failing = false;
  let flushing: Promise<void> | undefined;
  // Failed authentications per target in the current minute: a flood spends its allowance, then is counted.
  let minute = Math.floor(now() / 60_000);
  let suppressed = 0;
  const failures = new Map<string, number>();
  const tally = createHealthTally();
  let healthFailing = false;

  const cutoff = () => new Date(now() - retentionDays * 86_400_000);

  function admitAuthFailure(entry: ScimRequestLogRecord): boolean {
    const current = Math.floor(now() / 60_000);
    if (current !== minute) {
      if (suppressed > 0) {
        logger.warn(
          { suppressed, perMinute: authFailuresPerMinute },
          'SCIM request log: failed authentications not recorded',
        );
      }
      minute = current;
      suppressed = 0;
      failures.clear();
    }
    const key = 'directoryId' in entry.target ? entry.target.directoryId : `@${entry.target.organizationDomain}`;
    const count = failures.get(key) ?? 0;
    if (count >= authFailuresPerMinute || (count === 0 && failures.size >= MAX_AUTH_FAILURE_TARGETS)) {
      suppressed += 1;
      return false;
    }
    failures.set(key, count + 1);
    return true;
  }

  async function writeBatch(batch: readonly ScimRequestLogRecord[]): Promise<void> {
    try {
      const touched = await insertRequestLog(sql, batch);
      if (touched.length > 0) await trimRequestLog(sql, touched, size, cutoff());
      failing = false;
    } catch (error) {
      if (!failing)
        logger.warn({ error: errorMessage(error) }, 'SCIM request log: cannot write entries; dropping them');
      failing = true;
    }
  }

  async function writeHealth(): Promise<void> {
    const uncounted = tally.takeUncounted();
    if (uncounted > 0) logger.warn({ uncounted }, 'Directory health: too many targets at once; requests not counted');
    const batch = tally.take();
    if (!batch) return;
    try {
      await upsertHealth(sql, batch);
      healthFailing = false;
    } catch (error) {
      if (!healthFailing)
        logger.warn({ error: errorMessage(error) }, 'Directory health: cannot write counts; dropping them');
      healthFailing = true;
    }
  }

  async function drain(): Promise<void> {
    await writeHealth();
    while (queue.length > 0) {
      const batch = queue.slice(0, batchSize);
      queue = queue.slice(batch.length);
      await writeBatch(batch);
    }
    if (overflow > 0) {
      logger.warn({ dropped: overflow }, 'SCIM request log: queue full; oldest entries dropped');
      overflow = 0;
    }
  }

  const flush = (): Promise<void> => {
    flushing ??= drain().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  const sweep = () => {
    purgeRequestLog(sql, cutoff()).catch((error: unknown) =>
      logger.warn({ error: errorMessage(error) }, 'SCIM request log: purge failed'),
    );
    purgeRequestCounts(sql, new Date(now() - COUNTS_KEPT_MS)).catch((error: unknown) =>
      logger.warn({ error: errorMessage(error) }, 'Directory health: purge failed'),
    );
  };

  const flushTimer = setInterval(() => void flush(), flushIntervalMs);
  flushTimer.unref();
  const sweepTimer = setInterval(sweep, sweepIntervalMs);
  sweepTimer.unref();

  return {
    record(entry) {
      tally.add(entry);
      if (entry.authFailure !== null && !admitAuthFailure(entry)) return;
      if (queue.length >= maxQueued) {
        queue.shift();
        overflow += 1;
      }
      queue.push(entry);
      if (queue.length >= batchSize) void flush();
    },
    async flush() {
      // A flush already running may have taken its batch before the latest entries arrived.
      await flushing;
      await flush();
    },
    async stop() {
      clearInterval(flushTimer);
      clearInterval(sweepTimer);
      await flushing;
      await flush();
    },
  };
}

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
 * throws); every full batch, and whatever is queued once a second, is written in one multi-row INSERT
 * outside any request's transaction. Directories are trimmed to the newest `size` entries and the retention
 * window in bulk: once a second for every directory written since, and at once for a directory that got a
 * tenth of `size` new entries — so a directory holds at most about 10% more than `size` for up to a second.
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
  // Rows written per directory since it was last trimmed; trimmed in bulk (see trimDue).
  const untrimmed = new Map<string, number>();
  const trimEvery = Math.max(1, Math.ceil(size / 10));

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
      for (const [directoryId, rows] of await insertRequestLog(sql, batch)) {
        untrimmed.set(directoryId, (untrimmed.get(directoryId) ?? 0) + rows);
      }
      await trimDue(false);
      failing = false;
    } catch (error) {
      if (!failing)
        logger.warn({ error: errorMessage(error) }, 'SCIM request log: cannot write entries; dropping them');
      failing = true;
    }
  }

  /**
   * Trims the directories that got a tenth of `size` new rows (`all`: every directory written since its last
   * trim) in one statement: one delete of many rows is far cheaper than a delete per batch.
   */
  async function trimDue(all: boolean): Promise<void> {
    const due = [...untrimmed].filter(([, rows]) => all || rows >= trimEvery).map(([directoryId]) => directoryId);
    if (due.length === 0) return;
    for (const directoryId of due) untrimmed.delete(directoryId);
    await trimRequestLog(sql, due, size, cutoff());
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

  /** Writes full batches (`all`: everything queued, then trims every directory written). */
  async function drain(all: boolean): Promise<void> {
    await writeHealth();
    while (queue.length >= (all ? 1 : batchSize)) {
      const batch = queue.slice(0, batchSize);
      queue = queue.slice(batch.length);
      await writeBatch(batch);
    }
    if (all) {
      await trimDue(true).catch((error: unknown) => {
        if (!failing) logger.warn({ error: errorMessage(error) }, 'SCIM request log: cannot trim entries');
      });
    }
    if (overflow > 0) {
      logger.warn({ dropped: overflow }, 'SCIM request log: queue full; oldest entries dropped');
      overflow = 0;
    }
  }

  const flush = (all: boolean): Promise<void> => {
    flushing ??= drain(all).finally(() => {
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

  const flushTimer = setInterval(() => void flush(true), flushIntervalMs);
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
      if (queue.length >= batchSize) void flush(false);
    },
    async flush() {
      // A flush already running may have taken its batch before the latest entries arrived.
      await flushing;
      await flush(true);
    },
    async stop() {
      clearInterval(flushTimer);
      clearInterval(sweepTimer);
      await flushing;
      await flush(true);
    },
  };
}

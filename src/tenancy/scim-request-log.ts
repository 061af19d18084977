import type { Sql } from '../db/sql.js';
import { errorMessage } from '../lib/error-message.js';
import type { Logger } from '../lib/logger.js';
import { createHealthTally } from './directory-health.js';
import { purgeRequestCounts, upsertHealth } from './directory-health.sql.js';
import {
  insertRequestLog,
  purgeRequestLog,
  trimRequestLog,
  type PendingRequestLogEntry,
  type ScimRequestLogRecord,
} from './scim-request-log.sql.js';

export interface ScimRequestLogOptions {
  readonly sql: Sql;
  readonly logger: Logger;
  /** Entries kept per directory (SCIM_REQUEST_LOG_SIZE, ≥ 1). */
  readonly size: number;
  /** Entries older than this many days go (SCIM_REQUEST_LOG_DAYS). */
  readonly retentionDays: number;
  /** Entries written per statement. */
  readonly batchSize?: number;
  readonly flushIntervalMs?: number;
  /**
   * Entries held at most (all directories); beyond, a flush starts and new entries are dropped until it has
   * taken what is held (a slow database never holds requests up, nor grows memory).
   */
  readonly maxQueued?: number;
  /** Failed authentications recorded per minute per URL target in this process; the rest are only counted. */
  readonly authFailuresPerMinute?: number;
  readonly sweepIntervalMs?: number;
  readonly now?: () => number;
}

/**
 * The per-directory SCIM request log's writer: {@link ScimRequestLog.record} only holds the entry (it never
 * waits or throws); once a second the entries held are completed (bodies redacted and serialized) and
 * written in multi-row INSERTs outside any request's transaction, then the directories written are trimmed
 * to the newest `size` entries and the retention window in one DELETE. At most the newest `size` entries
 * of a directory are held between two flushes — older ones would be trimmed at once — so a directory busier
 * than `size` requests a second costs `size` entries a second, however busy it is. An hourly sweep purges
 * directories that got no traffic. Write failures drop that batch with one warning.
 *
 * Each flush also writes directory health (directory-health.ts): every request recorded, before the log's
 * limits, is tallied in memory and upserted in one statement per flush; the sweep drops hourly counts older
 * than two days.
 */
export interface ScimRequestLog {
  record(entry: PendingRequestLogEntry): void;
  /** Writes everything held so far. */
  flush(): Promise<void>;
  /** Stops the timers and writes what is held. */
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
  maxQueued = 5_000,
  authFailuresPerMinute = 10,
  sweepIntervalMs = 3_600_000,
  now = Date.now,
}: ScimRequestLogOptions): ScimRequestLog {
  // The newest `size` entries of each target (a directory id, or `@domain` for a failed authentication),
  // oldest first, and how many are held in all.
  let held = new Map<string, PendingRequestLogEntry[]>();
  let heldCount = 0;
  // Entries dropped because maxQueued were held while a flush was running: reported after the flush.
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

  function admitAuthFailure(entry: PendingRequestLogEntry): boolean {
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

  /** Writes one batch; resolves with the directories that got rows (none when the write failed). */
  async function writeBatch(batch: readonly ScimRequestLogRecord[]): Promise<string[]> {
    try {
      const written = await insertRequestLog(sql, batch);
      failing = false;
      return [...written.keys()];
    } catch (error) {
      if (!failing)
        logger.warn({ error: errorMessage(error) }, 'SCIM request log: cannot write entries; dropping them');
      failing = true;
      return [];
    }
  }

  /** The entries held, completed (bodies serialized); one that cannot be is skipped with a warning. */
  function complete(entries: Iterable<PendingRequestLogEntry[]>): ScimRequestLogRecord[] {
    const records: ScimRequestLogRecord[] = [];
    for (const list of entries) {
      for (const entry of list) {
        try {
          records.push(entry.complete());
        } catch (error) {
          logger.warn({ error: errorMessage(error) }, 'SCIM request log: entry not recorded');
        }
      }
    }
    return records;
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
    const taken = held;
    held = new Map();
    heldCount = 0;
    const records = complete(taken.values());
    const written = new Set<string>();
    for (let start = 0; start < records.length; start += batchSize) {
      for (const directoryId of await writeBatch(records.slice(start, start + batchSize))) written.add(directoryId);
    }
    if (written.size > 0) {
      await trimRequestLog(sql, [...written], size, cutoff()).catch((error: unknown) => {
        if (!failing) logger.warn({ error: errorMessage(error) }, 'SCIM request log: cannot trim entries');
      });
    }
    if (overflow > 0) {
      logger.warn({ dropped: overflow }, 'SCIM request log: too many entries held; newest dropped');
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
      if (heldCount >= maxQueued) {
        // A flush is running (or the database is slow): memory stays bounded.
        overflow += 1;
        void flush();
        return;
      }
      const key = 'directoryId' in entry.target ? entry.target.directoryId : `@${entry.target.organizationDomain}`;
      const list = held.get(key);
      if (!list) held.set(key, [entry]);
      else if (list.length < size) list.push(entry);
      else {
        // The oldest would be trimmed as soon as written: it is never completed.
        list.shift();
        list.push(entry);
        return;
      }
      heldCount += 1;
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

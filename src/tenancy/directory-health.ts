import type { ScimTarget } from './scim-auth.js';

/** What directory health needs of one SCIM request (a subset of a request log record). */
export interface HealthSample {
  /** Authenticated: its directory; failed authentication: where the URL pointed (resolved when written). */
  readonly target: ScimTarget;
  readonly createdAt: Date;
  readonly status: number;
  readonly scimType: string | null;
  readonly errorDetail: string | null;
}

/** The last error a target answered. */
export interface HealthError {
  readonly at: Date;
  readonly status: number;
  readonly scimType: string | null;
  readonly detail: string | null;
}

/** One target's requests since the last {@link HealthTally.take}. */
export interface TargetHealth {
  readonly target: ScimTarget;
  lastRequestAt: Date;
  lastSuccessAt: Date | null;
  lastError: HealthError | null;
}

/** One target's requests and errors in one hour (UTC, the hour's start). */
export interface HourCount {
  readonly target: ScimTarget;
  readonly hour: Date;
  requests: number;
  errors: number;
}

export interface HealthBatch {
  readonly targets: readonly TargetHealth[];
  readonly hours: readonly HourCount[];
}

/**
 * Sums SCIM requests per target in memory between two flushes of the request log: every request counts,
 * whatever the log keeps (its size cap and its limit on failed authentications do not apply here).
 */
export interface HealthTally {
  add(sample: HealthSample): void;
  /** What was added since the last call (and forgets it); undefined when nothing was. */
  take(): HealthBatch | undefined;
  /** Requests not counted since the last call because {@link MAX_TALLIED_TARGETS} targets were waiting. */
  takeUncounted(): number;
}

/** Most distinct targets tallied between two flushes (memory bound against a flood of made-up URLs). */
const MAX_TALLIED_TARGETS = 10_000;

const HOUR_MS = 3_600_000;

/** The start of the UTC hour of `at`. */
export function hourOf(at: Date | number): Date {
  const ms = typeof at === 'number' ? at : at.getTime();
  return new Date(Math.floor(ms / HOUR_MS) * HOUR_MS);
}

/** A request is an error when answered 400 or above (failed authentication and rate limiting included). */
function isError(status: number): boolean {
  return status >= 400;
}

export function createHealthTally(): HealthTally {
  let targets = new Map<string, TargetHealth>();
  let hours = new Map<string, HourCount>();
  let uncounted = 0;

  return {
    add({ target, createdAt, status, scimType, errorDetail }) {
      const key = 'directoryId' in target ? target.directoryId : `@${target.organizationDomain}`;
      let health = targets.get(key);
      if (!health) {
        if (targets.size >= MAX_TALLIED_TARGETS) {
          uncounted += 1;
          return;
        }
        health = { target, lastRequestAt: createdAt, lastSuccessAt: null, lastError: null };
        targets.set(key, health);
      }
      if (createdAt > health.lastRequestAt) health.lastRequestAt = createdAt;
      const failed = isError(status);
      if (!failed && (!health.lastSuccessAt || createdAt > health.lastSuccessAt)) health.lastSuccessAt = createdAt;
      if (failed && (!health.lastError || createdAt >= health.lastError.at)) {
        health.lastError = { at: createdAt, status, scimType, detail: errorDetail };
      }
      const hour = hourOf(createdAt);
      const hourKey = `${key}|${hour.getTime()}`;
      let count = hours.get(hourKey);
      if (!count) {
        count = { target, hour, requests: 0, errors: 0 };
        hours.set(hourKey, count);
      }
      count.requests += 1;
      if (failed) count.errors += 1;
    },
    take() {
      if (targets.size === 0) return undefined;
      const batch = { targets: [...targets.values()], hours: [...hours.values()] };
      targets = new Map();
      hours = new Map();
      return batch;
    },
    takeUncounted() {
      const n = uncounted;
      uncounted = 0;
      return n;
    },
  };
}

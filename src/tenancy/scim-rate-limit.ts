import type { Sql } from '../db/sql.js';

export interface ScimRateLimitOptions {
  readonly sql: Sql;
  /** Tokens added to a directory's bucket per second (sustained requests per second). */
  readonly ratePerSecond: number;
  /** The bucket's size: the most requests a directory may send at once after a quiet spell. */
  readonly burst: number;
  /** Tokens one process takes from the shared bucket at a time (default: a tenth of the burst). */
  readonly leaseSize?: number;
  readonly now?: () => number;
}

/**
 * A token bucket per directory, shared by every dsync process through one row of `scim_rate_buckets`.
 * A process does not ask PostgreSQL for each request: it leases up to {@link ScimRateLimitOptions.leaseSize}
 * tokens at once (one `insert … on conflict do update … returning`) and spends them locally, so only one
 * request in `leaseSize` pays a round trip. Leased tokens come out of the shared bucket, so the limit is
 * never multiplied by the number of processes; tokens a process holds unspent are the only slack: in any
 * window the accepted requests exceed `burst + rate × window` by at most `processes × leaseSize`.
 */
export interface ScimRateLimiter {
  /** The bucket's size: the most tokens one request can take. */
  readonly burst: number;
  /**
   * `undefined` when the request may go ahead, else the whole seconds (≥ 1) to wait before retrying.
   * `tokens` (default 1; a SCIM Bulk takes one per operation) is at most the burst; 0 is always granted.
   */
  take(directoryId: string, tokens?: number): undefined | number | Promise<undefined | number>;
}

interface Local {
  /** Leased tokens not spent yet. */
  tokens: number;
  /** The shared bucket was empty: refuse locally until then (epoch ms). */
  deniedUntil: number;
  /** The lease under way; it resolves to the tokens it left in the shared bucket. */
  lease: Promise<number> | undefined;
  /** Tokens that requests of this process waiting for a lease need. */
  waiting: number;
}

/** Rounds after which a request that keeps losing freshly leased tokens to its neighbours gives up. */
const MAX_LEASES_PER_REQUEST = 20;

/** Creates the limiter; `ratePerSecond` 0 means no limit (`undefined`). */
export function createScimRateLimiter(options: ScimRateLimitOptions): ScimRateLimiter | undefined {
  const { sql, ratePerSecond: rate, burst, now = Date.now } = options;
  if (rate <= 0) return undefined;
  const leaseSize = Math.max(1, Math.min(burst, options.leaseSize ?? Math.ceil(burst / 10)));
  const locals = new Map<string, Local>();
  // The bucket's level now: refilled since it was last written, at most full. `now()` is the statement's
  // start; a statement that waited for the row lock may start before the last write (never refill < 0).
  const level = `least($2::float8, b.tokens + $4::float8 * greatest(0, extract(epoch from now() - b.updated_at)::float8))`;
  const leaseSql = `insert into scim_rate_buckets as b (directory_id, tokens, granted, updated_at)
values ($1, $2::float8 - $3::int, $3::int, now())
on conflict (directory_id) do update set
  granted = least($3::int, floor(${level}))::int,
  tokens = ${level} - least($3::int, floor(${level})),
  updated_at = greatest(b.updated_at, now())
returning granted, tokens`;

  async function lease(directoryId: string, local: Local): Promise<number> {
    // Enough for every request already waiting (they spend it at once), so that only `leaseSize` is ever held.
    const want = Math.min(burst, Math.max(leaseSize, local.waiting - local.tokens));
    const [row] = await sql.query<{ granted: number; tokens: number }>(leaseSql, [directoryId, burst, want, rate]);
    const granted = row?.granted ?? 0;
    local.tokens += granted;
    if (granted === 0) local.deniedUntil = now() + (Math.max(0, 1 - (row?.tokens ?? 0)) / rate) * 1_000;
    return row?.tokens ?? 0;
  }

  const secondsUntil = (until: number) => Math.max(1, Math.ceil((until - now()) / 1_000));

  async function takeLeased(directoryId: string, local: Local, cost: number): Promise<undefined | number> {
    local.waiting += cost;
    try {
      for (let round = 0; round < MAX_LEASES_PER_REQUEST; round++) {
        local.lease ??= lease(directoryId, local).finally(() => (local.lease = undefined));
        const left = await local.lease;
        if (local.tokens >= cost) {
          local.tokens -= cost;
          return undefined;
        }
        // The bucket is empty: a single request waits for one token, a larger one for what it still lacks.
        if (local.deniedUntil > now())
          return Math.max(secondsUntil(local.deniedUntil), Math.ceil((cost - local.tokens - left) / rate));
      }
      return 1;
    } finally {
      local.waiting -= cost;
    }
  }

  return {
    burst,
    take(directoryId, tokens = 1) {
      if (tokens <= 0) return undefined;
      const cost = Math.min(burst, Math.ceil(tokens));
      let local = locals.get(directoryId);
      if (!local) locals.set(directoryId, (local = { tokens: 0, deniedUntil: 0, lease: undefined, waiting: 0 }));
      if (local.tokens >= cost) {
        local.tokens -= cost;
        return undefined;
      }
      if (local.deniedUntil > now()) return secondsUntil(local.deniedUntil);
      return takeLeased(directoryId, local, cost);
    },
  };
}

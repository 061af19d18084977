import type { Sql } from '../db/sql.js';
import { storableText } from '../lib/json-guard.js';
import type { ClaimedDelivery } from './claim.js';
import { DeliveryStatus, type DeliveryAttempt } from './webhook.entity.js';

const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/** When failed attempts are tried again. */
export interface RetrySchedule {
  /** Wait before attempt 2, 3, …; after the last one the delivery is `failed`. */
  readonly retryDelaysMs: readonly number[];
  readonly now: () => Date;
}

/** A delivery after an attempt: its new status, and when it is tried again (`null`: done or failed for good). */
export interface Settled {
  readonly status: DeliveryStatus;
  readonly nextAttemptAt: Date | null;
}

/** An attempt that never reached the endpoint. */
export function unsentAttempt(error: string, now: Date): DeliveryAttempt {
  return {
    attemptedAt: now.toISOString(),
    statusCode: null,
    durationMs: 0,
    responseExcerpt: null,
    error: storableText(error),
    success: false,
  };
}

/**
 * Records an attempt and decides what follows, in one statement: done, failed for good (`final`, or 410 Gone,
 * which also disables the endpoint, or no retries left), or pending again with `next_attempt_at` from the
 * retry delays (or Retry-After). The endpoint's job picks it up when it comes due. Only with our own lease:
 * a delivery whose lease ran out (and was claimed again) is left alone. Resolves with what follows.
 */
export async function settleDelivery(
  sql: Sql,
  delivery: ClaimedDelivery,
  attempt: DeliveryAttempt,
  retryAfterMs: number | null,
  schedule: RetrySchedule,
  final = false,
): Promise<Settled> {
  const attemptCount = delivery.attempt_count + 1;
  const gone = attempt.statusCode === 410;
  let status: DeliveryStatus;
  let nextAttemptAt: Date | null = null;
  if (attempt.success) status = DeliveryStatus.SUCCEEDED;
  else if (final || gone || attemptCount > schedule.retryDelaysMs.length) status = DeliveryStatus.FAILED;
  else {
    status = DeliveryStatus.PENDING;
    const delay =
      retryAfterMs !== null
        ? Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)
        : (schedule.retryDelaysMs[attemptCount - 1] as number);
    nextAttemptAt = new Date(schedule.now().getTime() + delay);
  }
  await sql.run(
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
      delivery.id,
      `the endpoint answered 410 Gone at ${attempt.attemptedAt}`,
      gone,
      delivery.lease_until,
    ],
  );
  return { status, nextAttemptAt };
}

/** An attempt cut short by the worker's stop is not recorded: the delivery is released as it was, due at once. */
export async function releaseDelivery(sql: Sql, delivery: ClaimedDelivery): Promise<void> {
  await sql.run(
    `update webhook_deliveries set lease_until = null where id = $1::uuid and status = 'pending' and lease_until = $2::timestamptz`,
    [delivery.id, delivery.lease_until],
  );
}

import type { Sql } from '../db/sql.js';
import { DELIVER_TASK, endpointJobKey } from '../events/outbox.js';

/** A due delivery, leased to this worker, with its endpoint. */
export interface ClaimedDelivery {
  readonly id: string;
  readonly attempt_count: number;
  /** The claimed lease, as PostgreSQL printed it (microseconds kept): settle only with our own lease. */
  readonly lease_until: string;
  readonly event_id: string | null;
  readonly webhook_id: string;
  /** When the delivery was created (epoch ms): by the sequencer as it published the event, or by a redeliver/replay. */
  readonly created_ms: number;
  readonly url: string;
  readonly secret_sealed: string;
  readonly enabled: boolean;
  readonly disabled_reason: string | null;
}

/**
 * Leases up to `limit` due deliveries of one endpoint for `leaseSeconds` (`for update skip locked`, so several
 * workers and processes never take the same one): pending, due, and not leased by anyone else (or leased by a
 * worker that has since died: its lease ran out).
 */
export function claimDueDeliveries(
  sql: Sql,
  webhookId: string,
  leaseSeconds: number,
  limit: number,
): Promise<ClaimedDelivery[]> {
  return sql.query<ClaimedDelivery>(
    `with claimed as (
       update webhook_deliveries d set lease_until = now() + make_interval(secs => $2::float8)
        where d.id in (select id from webhook_deliveries
                        where webhook_id = $1::uuid and status = 'pending' and next_attempt_at <= now()
                          and (lease_until is null or lease_until < now())
                        order by next_attempt_at, id limit $3::int for update skip locked)
       returning d.id, d.attempt_count, d.lease_until::text as lease_until, d.event_id, d.webhook_id,
                 (extract(epoch from d.created_at) * 1000)::float8 as created_ms
     )
     select c.id, c.attempt_count, c.lease_until, c.event_id, c.webhook_id, c.created_ms, w.url, w.secret_sealed, w.enabled, w.disabled_reason
       from claimed c join webhooks w on w.id = c.webhook_id
      order by c.id`,
    [webhookId, leaseSeconds, limit],
  );
}

/**
 * Queues the endpoint's job again for its earliest delivery still pending (a retry, or a lease that a crashed
 * worker left behind); nothing when none is pending.
 */
export async function queueNextRun(sql: Sql, webhookId: string): Promise<void> {
  await sql.run(
    // preserve_run_at: a job queued meanwhile by a new event (due now) keeps its time.
    `select graphile_worker.add_job($1::text, json_build_object('webhookId', $2::text), run_at := greatest(at, now()), job_key := $3::text,
                                    job_key_mode := 'preserve_run_at')
       from (select min(greatest(next_attempt_at, coalesce(lease_until, next_attempt_at))) as at
               from webhook_deliveries where webhook_id = $2::uuid and status = 'pending') due
      where at is not null`,
    [DELIVER_TASK, webhookId, endpointJobKey(webhookId)],
  );
}

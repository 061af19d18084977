import type { Sql } from '../db/sql.js';

/**
 * Seconds since the oldest pending delivery (any endpoint) was created, `null` when none is pending: one
 * lookup in the partial index `webhook_deliveries_pending_created_at_index`.
 */
export async function oldestPendingDeliverySeconds(sql: Sql): Promise<number | null> {
  const [row] = await sql.query<{ seconds: number | null }>(
    `select extract(epoch from now() - min(created_at))::float8 as seconds from webhook_deliveries where status = 'pending'`,
  );
  return row?.seconds ?? null;
}

import { parseTimestamp, type Sql } from '../db/sql.js';
import { hourOf, type HealthBatch } from './directory-health.js';
import type { ScimTarget } from './scim-auth.js';
import { resolvedTarget } from './scim-request-log.sql.js';

/** In the upsert: the batch has an error, and none is stored or the stored one is older. */
const LATER_ERROR = `excluded.last_error_at is not null and (t.last_error_at is null or excluded.last_error_at > t.last_error_at)`;

// One statement per flush: the tally travels as arrays (one row per target, one per target and hour), targets
// are resolved like the request log's (a directory deleted meanwhile drops its rows), then aggregated per
// directory (an id and a domain may name the same one) and upserted in directory order. Every time only moves
// forward and the last error is replaced only by a later one, so batches of several processes may land in any
// order; counts add up.
const UPSERT = `with h as (
  select * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::int[],
    $7::text[], $8::text[])
    as h(directory_id, org_domain, last_request_at, last_success_at, last_error_at, last_error_status,
      last_error_scim_type, last_error_detail)
), c as (
  select * from unnest($9::uuid[], $10::text[], $11::timestamptz[], $12::int[], $13::int[])
    as c(directory_id, org_domain, hour, requests, errors)
), rh as (
  select ${resolvedTarget('h')} as target, h.* from h left join directories d on d.id = h.directory_id
), rc as (
  select ${resolvedTarget('c')} as target, c.* from c left join directories d on d.id = c.directory_id
), health as (
  insert into directory_health as t (directory_id, last_request_at, last_success_at, last_error_at, last_error_status,
    last_error_scim_type, last_error_detail)
  select target, max(last_request_at), max(last_success_at), max(last_error_at),
    (array_agg(last_error_status order by last_error_at desc nulls last))[1],
    (array_agg(last_error_scim_type order by last_error_at desc nulls last))[1],
    (array_agg(last_error_detail order by last_error_at desc nulls last))[1]
  from rh where target is not null group by target order by target
  on conflict (directory_id) do update set
    last_request_at = greatest(t.last_request_at, excluded.last_request_at),
    last_success_at = greatest(t.last_success_at, excluded.last_success_at),
    last_error_at = greatest(t.last_error_at, excluded.last_error_at),
    last_error_status = case when ${LATER_ERROR} then excluded.last_error_status else t.last_error_status end,
    last_error_scim_type = case when ${LATER_ERROR} then excluded.last_error_scim_type else t.last_error_scim_type end,
    last_error_detail = case when ${LATER_ERROR} then excluded.last_error_detail else t.last_error_detail end
), counts as (
  insert into directory_request_counts as t (directory_id, hour, requests, errors)
  select target, hour, sum(requests), sum(errors) from rc where target is not null
  group by target, hour order by target, hour
  on conflict (directory_id, hour) do update set
    requests = t.requests + excluded.requests, errors = t.errors + excluded.errors
)
select 1`;

const column = <T, R>(rows: readonly T[], pick: (row: T) => R): R[] => rows.map(pick);
const directoryOf = (target: ScimTarget) => ('directoryId' in target ? target.directoryId : null);
const domainOf = (target: ScimTarget) => ('organizationDomain' in target ? target.organizationDomain : null);

/** Adds a tally to the health of the directories it names, in one statement. */
export async function upsertHealth(sql: Sql, batch: HealthBatch): Promise<void> {
  const { targets, hours } = batch;
  await sql.run(UPSERT, [
    column(targets, (t) => directoryOf(t.target)),
    column(targets, (t) => domainOf(t.target)),
    column(targets, (t) => t.lastRequestAt.toISOString()),
    column(targets, (t) => t.lastSuccessAt?.toISOString() ?? null),
    column(targets, (t) => t.lastError?.at.toISOString() ?? null),
    column(targets, (t) => t.lastError?.status ?? null),
    column(targets, (t) => t.lastError?.scimType ?? null),
    column(targets, (t) => t.lastError?.detail ?? null),
    column(hours, (h) => directoryOf(h.target)),
    column(hours, (h) => domainOf(h.target)),
    column(hours, (h) => h.hour.toISOString()),
    column(hours, (h) => h.requests),
    column(hours, (h) => h.errors),
  ]);
}

/** Deletes the hourly counts that began before `before` (the request log's hourly sweep). */
export function purgeRequestCounts(sql: Sql, before: Date): Promise<number> {
  return sql.run('delete from directory_request_counts where hour < $1', [before.toISOString()]);
}

/** Hours counted in {@link DirectoryHealthRow.requests}: the current UTC hour and the 23 before it. */
const WINDOW_HOURS = 24;

export interface DirectoryHealthRow {
  readonly lastRequestAt: Date | null;
  readonly lastSuccessAt: Date | null;
  readonly lastErrorAt: Date | null;
  readonly lastErrorStatus: number | null;
  readonly lastErrorScimType: string | null;
  readonly lastErrorDetail: string | null;
  /** Requests in the {@link WINDOW_HOURS} hourly buckets up to the current one. */
  readonly requests: number;
  readonly errors: number;
}

const READ = `select d.id, h.last_request_at, h.last_success_at, h.last_error_at, h.last_error_status,
    h.last_error_scim_type, h.last_error_detail, coalesce(c.requests, 0)::int as requests,
    coalesce(c.errors, 0)::int as errors
  from unnest($1::uuid[]) as d(id)
  left join directory_health h on h.directory_id = d.id
  left join lateral (
    select sum(n.requests) as requests, sum(n.errors) as errors from directory_request_counts n
    where n.directory_id = d.id and n.hour >= $2
  ) c on true`;

interface RawHealth {
  id: string;
  last_request_at: string | null;
  last_success_at: string | null;
  last_error_at: string | null;
  last_error_status: number | null;
  last_error_scim_type: string | null;
  last_error_detail: string | null;
  requests: number;
  errors: number;
}

const timestamp = (text: string | null) => (text === null ? null : parseTimestamp(text));

/** The health of each of `directoryIds` at `now` (one statement); a directory never called reads null and 0. */
export async function healthOfDirectories(
  sql: Sql,
  directoryIds: readonly string[],
  now: number,
): Promise<Map<string, DirectoryHealthRow>> {
  const since = new Date(hourOf(now).getTime() - (WINDOW_HOURS - 1) * 3_600_000);
  const rows = await sql.query<RawHealth>(READ, [directoryIds, since.toISOString()]);
  return new Map(
    rows.map((row) => [
      row.id,
      {
        lastRequestAt: timestamp(row.last_request_at),
        lastSuccessAt: timestamp(row.last_success_at),
        lastErrorAt: timestamp(row.last_error_at),
        lastErrorStatus: row.last_error_status,
        lastErrorScimType: row.last_error_scim_type,
        lastErrorDetail: row.last_error_detail,
        requests: row.requests,
        errors: row.errors,
      },
    ]),
  );
}

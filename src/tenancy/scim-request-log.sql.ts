import { parseTimestamp, type Sql } from '../db/sql.js';
import type { ScimTarget } from './scim-auth.js';

/** Why a SCIM request failed authentication (never anything of the token it presented). */
export type ScimAuthFailure = 'missing' | 'malformed' | 'wrong_token';

/** One SCIM request as the log keeps it; bodies are already redacted, serialized and capped. */
export interface ScimRequestLogRecord {
  /** Authenticated: its directory; failed authentication: where the URL pointed (resolved when written). */
  readonly target: ScimTarget;
  readonly id: string;
  readonly createdAt: Date;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType: string | null;
  readonly errorDetail: string | null;
  readonly durationMs: number;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  readonly authFailure: ScimAuthFailure | null;
  readonly requestBody: string | null;
  readonly requestBodyTruncated: boolean;
  readonly responseBody: string | null;
  readonly responseBodyTruncated: boolean;
}

/**
 * A request as the recorder hands it over: what directory health and the failed-authentication limit need
 * at once, and the rest — bodies redacted and serialized, the path — made by `complete()` only when the
 * entry is written, so that entries trimmed before they are written (more than the cap of one directory
 * within one flush) cost no serialization and no database work.
 */
export interface PendingRequestLogEntry extends Pick<
  ScimRequestLogRecord,
  'target' | 'createdAt' | 'status' | 'scimType' | 'errorDetail' | 'authFailure'
> {
  complete(): ScimRequestLogRecord;
}

export interface ScimRequestLogRow extends Omit<ScimRequestLogRecord, 'target' | 'createdAt'> {
  readonly createdAt: Date;
}

const COLUMNS = `id, created_at, method, path, status, scim_type, error_detail, duration_ms, user_agent, request_id,
  auth_failure, request_body, request_body_truncated, response_body, response_body_truncated`;

/**
 * The directory a row of `alias` (columns directory_id, org_domain) names, joined as `d` on its directory_id:
 * that directory if it exists; by organization domain, the one directory of that domain; else null.
 */
export function resolvedTarget(alias: string): string {
  return `coalesce(d.id, (select (array_agg(x.id))[1] from directories x join organizations o on o.id = x.organization_id
      where ${alias}.directory_id is null and o.domain = ${alias}.org_domain having count(*) = 1))`;
}

// One statement for any batch size (one prepared text): the rows travel as one JSON array (JSON.stringify is
// native; the driver's array parameters escape every element in JavaScript). A record of a failed
// authentication names its directory by id or by organization domain; it is kept only if that directory
// exists (the domain: only if exactly one directory has it). A directory deleted meanwhile drops its rows.
const INSERT = `with v as (
  select * from json_to_recordset($1::json) as v(directory_id uuid, org_domain text, id uuid,
    created_at timestamptz, method text, path text, status int, scim_type text, error_detail text,
    duration_ms int, user_agent text, request_id text, auth_failure text, request_body text,
    request_body_truncated bool, response_body text, response_body_truncated bool)
), resolved as (
  select ${resolvedTarget('v')} as target, v.* from v left join directories d on d.id = v.directory_id
), inserted as (
  insert into scim_request_log (directory_id, ${COLUMNS})
  select target, ${COLUMNS} from resolved where target is not null
  returning directory_id
)
select directory_id, count(*)::int as rows from inserted group by directory_id`;

/** Writes a batch in one statement; resolves with how many rows each directory got. */
export async function insertRequestLog(
  sql: Sql,
  records: readonly ScimRequestLogRecord[],
): Promise<Map<string, number>> {
  const rows = records.map((r) => ({
    directory_id: 'directoryId' in r.target ? r.target.directoryId : null,
    org_domain: 'organizationDomain' in r.target ? r.target.organizationDomain : null,
    id: r.id,
    created_at: r.createdAt.toISOString(),
    method: r.method,
    path: r.path,
    status: r.status,
    scim_type: r.scimType,
    error_detail: r.errorDetail,
    duration_ms: r.durationMs,
    user_agent: r.userAgent,
    request_id: r.requestId,
    auth_failure: r.authFailure,
    request_body: r.requestBody,
    request_body_truncated: r.requestBodyTruncated,
    response_body: r.responseBody,
    response_body_truncated: r.responseBodyTruncated,
  }));
  const written = await sql.query<{ directory_id: string; rows: number }>(INSERT, [JSON.stringify(rows)]);
  return new Map(written.map((row) => [row.directory_id, row.rows]));
}

// Per directory: everything up to its `keep`-th newest row or the retention cutoff, whichever is later (ids are
// UUIDv7: time-ordered). The cut is computed once per directory (materialized: as a subquery in the join it
// would be evaluated again for every row it deletes), then each directory's rows below it go in one range
// scan of the (directory_id, id) key: at most `keep` + a batch of index rows per directory.
const TRIM = `with c as materialized (
  select t.directory_id, greatest($3::uuid,
    (select k.id from scim_request_log k where k.directory_id = t.directory_id order by k.id desc offset $2 limit 1)
  ) as cut
  from unnest($1::uuid[]) as t(directory_id)
)
delete from scim_request_log l using c where l.directory_id = c.directory_id and l.id <= c.cut`;

/** Keeps the `keep` newest entries of each directory, none older than `before`; resolves with how many went. */
export function trimRequestLog(sql: Sql, directoryIds: readonly string[], keep: number, before: Date): Promise<number> {
  return sql.run(TRIM, [directoryIds, keep, uuidAt(before)]);
}

/** Deletes every entry older than `before`, in all directories (the hourly sweep; a scan of the table). */
export function purgeRequestLog(sql: Sql, before: Date): Promise<number> {
  return sql.run('delete from scim_request_log where id < $1::uuid', [uuidAt(before)]);
}

/** The smallest UUIDv7 of the millisecond `at`: ids below it were made earlier. */
function uuidAt(at: Date): string {
  const hex = Math.max(0, at.getTime()).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

export interface RequestLogFilter {
  readonly status: number | null;
  readonly method: string | null;
  readonly since: Date | null;
  readonly errorsOnly: boolean;
}

const FILTER = `l.directory_id = $1 and ($2::int is null or l.status = $2) and ($3::text is null or l.method = $3)
  and ($4::timestamptz is null or l.created_at >= $4) and (not $5::bool or l.status >= 400)`;

const PAGE = `select ${COLUMNS.replace(/(\w+)/g, 'l.$1')} from scim_request_log l
  where ${FILTER} and ($6::uuid is null or l.id < $6) order by l.id desc limit $7`;
const COUNT = `select count(*)::int as total from scim_request_log l where ${FILTER}`;

interface RawRow {
  id: string;
  created_at: string;
  method: string;
  path: string;
  status: number;
  scim_type: string | null;
  error_detail: string | null;
  duration_ms: number;
  user_agent: string | null;
  request_id: string | null;
  auth_failure: ScimAuthFailure | null;
  request_body: string | null;
  request_body_truncated: boolean;
  response_body: string | null;
  response_body_truncated: boolean;
}

/** A page of a directory's log, newest first, before the entry `before` (exclusive), `limit` rows. */
export async function requestLogPage(
  sql: Sql,
  directoryId: string,
  filter: RequestLogFilter,
  before: string | null,
  limit: number,
): Promise<{ rows: ScimRequestLogRow[]; total: number }> {
  const params = [directoryId, filter.status, filter.method, filter.since?.toISOString() ?? null, filter.errorsOnly];
  const [rows, [count]] = await Promise.all([
    sql.query<RawRow>(PAGE, [...params, before, limit]),
    sql.query<{ total: number }>(COUNT, params),
  ]);
  return {
    total: count?.total ?? 0,
    rows: rows.map((row) => ({
      id: row.id,
      createdAt: parseTimestamp(row.created_at),
      method: row.method,
      path: row.path,
      status: row.status,
      scimType: row.scim_type,
      errorDetail: row.error_detail,
      durationMs: row.duration_ms,
      userAgent: row.user_agent,
      requestId: row.request_id,
      authFailure: row.auth_failure,
      requestBody: row.request_body,
      requestBodyTruncated: row.request_body_truncated,
      responseBody: row.response_body,
      responseBodyTruncated: row.response_body_truncated,
    })),
  };
}

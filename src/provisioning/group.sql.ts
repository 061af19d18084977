import type { Sql, Transaction } from '../db/sql.js';
import type { NormalizedGroup } from './normalize.js';

/** The statements of the group table (`directory_groups`): fixed texts, every value bound. */

export interface GroupRow {
  readonly id: string;
  readonly directoryId: string;
  readonly externalId: string | null;
  readonly displayName: string;
  readonly raw: Record<string, unknown>;
  readonly version: number;
  /** timestamptz as PostgreSQL's text: the ORM's pool does not parse dates (read with `parseTimestamp`). */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The select list of a {@link GroupRow} from the table aliased `alias`. */
export function groupColumns(alias: string): string {
  return `${alias}.id, ${alias}.directory_id as "directoryId", ${alias}.external_id as "externalId",
    ${alias}.display_name as "displayName", ${alias}.raw, ${alias}.version,
    ${alias}.created_at as "createdAt", ${alias}.updated_at as "updatedAt"`;
}

const GROUP = groupColumns('g');

const INSERT = `insert into directory_groups as g (id, directory_id, external_id, display_name, display_name_lower, raw,
    version, created_at, updated_at)
  values ($1, $2, $3, $4, $5, $6, 1, $7, $7) returning ${GROUP}`;
const UPDATE = `update directory_groups as g set external_id = $2, display_name = $3, display_name_lower = $4, raw = $5,
    version = g.version + $6, updated_at = $7
  where g.id = $1 returning ${GROUP}`;
const FIND = `select ${GROUP} from directory_groups g where g.id = $1 and g.directory_id = $2`;
const LOCK = `select ${GROUP} from directory_groups g where g.id = $1 and g.directory_id = $2 for update`;
const LOCK_MANY = `select g.id from directory_groups g where g.directory_id = $1 and g.id = any($2::uuid[])
  order by g.id for update`;
const BUMP = `with bumped as (
    update directory_groups as g set version = g.version + 1, updated_at = $2
      where g.id = any($1::uuid[]) returning ${GROUP}, g.display_name_lower
  )
  select id, "directoryId", "externalId", "displayName", raw, version, "createdAt", "updatedAt" from bumped
  order by display_name_lower, id`;
const DELETE = 'delete from directory_groups where id = $1';
const LOCK_NAME = `select pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2::text, 0))`;
const NAME_TAKEN = `select exists (select 1 from directory_groups where directory_id = $1 and display_name_lower = $2
    and ($3::uuid is null or id <> $3)) as taken`;
const IN_ENVIRONMENT = `select ${GROUP} from directory_groups g join directories d on d.id = g.directory_id
    join organizations o on o.id = d.organization_id where g.id = $1 and o.environment_id = $2
    and ($3::uuid is null or o.id = $3)`;

const PAGE_FILTER = `g.directory_id = $1 and ($2::text is null or g.display_name_lower = $2)
  and ($3::text is null or g.display_name_lower ilike $3)`;
const PAGE = `select ${GROUP} from directory_groups g where ${PAGE_FILTER} and ($4::uuid is null or g.id > $4)
  order by g.id limit $5`;
const PAGE_COUNT = `select count(*) as n from directory_groups g where ${PAGE_FILTER}`;

/** What the admin API filters groups by; `search` is an ILIKE pattern. Null leaves a condition out. */
export interface GroupPageFilter {
  readonly displayNameLower: string | null;
  readonly search: string | null;
}

/** Up to `limit` groups of a directory after the id `after` (keyset, id order), and how many match in all. */
export async function groupPage(
  sql: Sql,
  directoryId: string,
  filter: GroupPageFilter,
  after: string | null,
  limit: number,
): Promise<{ rows: GroupRow[]; total: number }> {
  const params = [directoryId, filter.displayNameLower, filter.search];
  const [rows, [count]] = await Promise.all([
    sql.query<GroupRow>(PAGE, [...params, after, limit]),
    sql.query<{ n: string }>(PAGE_COUNT, params),
  ]);
  return { rows, total: Number(count?.n ?? 0) };
}

/** Inserts a group (version 1) and returns its row. */
export async function insertGroup(
  sql: Sql,
  id: string,
  directoryId: string,
  group: NormalizedGroup,
  raw: Record<string, unknown>,
): Promise<GroupRow> {
  const [row] = await sql.query<GroupRow>(INSERT, [
    id,
    directoryId,
    group.externalId,
    group.displayName,
    group.displayNameLower,
    raw,
    new Date(),
  ]);
  return row as GroupRow;
}

/** Writes the group's attributes, raises its version by `versionStep` and returns the row. */
export async function updateGroupRow(
  sql: Sql,
  id: string,
  group: NormalizedGroup,
  raw: Record<string, unknown>,
  versionStep: number,
): Promise<GroupRow> {
  const [row] = await sql.query<GroupRow>(UPDATE, [
    id,
    group.externalId,
    group.displayName,
    group.displayNameLower,
    raw,
    versionStep,
    new Date(),
  ]);
  return row as GroupRow;
}

/** One group of a directory, or undefined. */
export async function findGroup(sql: Sql, directoryId: string, id: string): Promise<GroupRow | undefined> {
  return (await sql.query<GroupRow>(FIND, [id, directoryId]))[0];
}

/** One group of a directory, its row locked (SELECT … FOR UPDATE) until the transaction ends. */
export async function lockGroup(sql: Sql, directoryId: string, id: string): Promise<GroupRow | undefined> {
  return (await sql.query<GroupRow>(LOCK, [id, directoryId]))[0];
}

/** Locks groups of a directory in id order (the order every writer uses). */
export async function lockGroups(sql: Sql, directoryId: string, ids: readonly string[]): Promise<void> {
  await sql.query(LOCK_MANY, [directoryId, ids]);
}

/** Raises the version and lastModified of groups whose membership changed; returns their rows by display name. */
export function bumpGroups(sql: Sql, ids: readonly string[]): Promise<GroupRow[]> {
  return sql.query<GroupRow>(BUMP, [ids, new Date()]);
}

/** Deletes the group row as the last statement of `tx`, committing it in the same round trip. */
export async function deleteGroupRow(tx: Transaction, id: string): Promise<void> {
  await tx.commitWith(DELETE, [id]);
}

/** A group of any directory of the environment, or undefined. */
export async function findGroupInEnvironment(
  sql: Sql,
  environmentId: string,
  organizationId: string | null,
  id: string,
): Promise<GroupRow | undefined> {
  return (await sql.query<GroupRow>(IN_ENVIRONMENT, [id, environmentId, organizationId]))[0];
}

/**
 * Whether another group of the directory has this display name (lower-cased), asked under a transaction-level
 * advisory lock on (directory, name): transactions creating or renaming to one name take turns, so two
 * concurrent creates cannot both find it free, and a rename frees its old name when it commits. Two
 * statements: the check must read after the lock was granted (a statement's snapshot predates its waits).
 */
export async function displayNameTaken(
  tx: Sql,
  directoryId: string,
  displayNameLower: string,
  exceptId: string | null,
): Promise<boolean> {
  await tx.query(LOCK_NAME, [directoryId, displayNameLower]);
  const [row] = await tx.query<{ taken: boolean }>(NAME_TAKEN, [directoryId, displayNameLower, exceptId]);
  return row?.taken === true;
}

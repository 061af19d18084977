import type { Database, Sql, Transaction } from '../db/sql.js';
import type { EventScope } from '../events/event-types.js';
import { EVENT_COLUMNS, eventsInsert, type NewEvent } from '../events/record-event.js';
import type { NormalizedUser } from './normalize.js';
import type { UserState } from './user.entity.js';

/**
 * The statements of the user table (`directory_users`): fixed texts, every value bound. Rows come back
 * with camelCase names, exactly as `pg` parses them on the ORM's pool.
 */

export interface UserRow {
  readonly id: string;
  readonly directoryId: string;
  readonly externalId: string | null;
  readonly userName: string;
  readonly email: string | null;
  readonly emails: string[];
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly displayName: string | null;
  readonly state: UserState;
  readonly raw: Record<string, unknown>;
  readonly version: number;
  /** timestamptz as PostgreSQL's text: the ORM's pool does not parse dates (read with `parseTimestamp`). */
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
}

/** A user with the groups it is in, ordered by display name. */
export type UserWithGroups = UserRow & { readonly groups: readonly GroupRef[] };

/** The select list of a {@link UserRow} from the table aliased `alias`. */
export function userColumns(alias: string): string {
  return `${alias}.id, ${alias}.directory_id as "directoryId", ${alias}.external_id as "externalId", ${alias}.user_name as "userName",
    ${alias}.email, ${alias}.emails, ${alias}.first_name as "firstName", ${alias}.last_name as "lastName",
    ${alias}.display_name as "displayName", ${alias}.state, ${alias}.raw, ${alias}.version,
    ${alias}.created_at as "createdAt", ${alias}.updated_at as "updatedAt"`;
}

/** The groups of the user whose id is `userId` (an SQL expression) as one JSON array, by display name. */
function groupsOf(userId: string): string {
  return `select coalesce(json_agg(json_build_object('id', g.id, 'displayName', g.display_name)
      order by g.display_name_lower, g.id), '[]') as groups from group_members gm join directory_groups g on g.id = gm.group_id
      where gm.user_id = ${userId}`;
}

/** The `groups` column of a {@link UserWithGroups}: a correlated subquery, one JSON array per user. */
export function groupsColumn(alias: string): string {
  return `(${groupsOf(`${alias}.id`)}) as groups`;
}

const USER = userColumns('u');
const WITH_GROUPS = `${USER}, ${groupsColumn('u')}`;

const INSERT = `insert into directory_users as u (id, directory_id, external_id, user_name, user_name_lower, email, emails,
    first_name, last_name, display_name, state, raw, version, created_at, updated_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13) returning ${USER}`;
const UPDATE_SET = `update directory_users as u set external_id = $2, user_name = $3, user_name_lower = $4, email = $5,
    emails = $6, first_name = $7, last_name = $8, display_name = $9, state = $10, raw = $11,
    version = u.version + 1, updated_at = $12
  where u.id = $1`;
const UPDATE = `${UPDATE_SET} returning ${WITH_GROUPS}`;
const UPDATE_ROW = `${UPDATE_SET} returning ${USER}`;
const FIND = `select ${WITH_GROUPS} from directory_users u where u.id = $1 and u.directory_id = $2`;
const FIND_ROW = `select ${USER} from directory_users u where u.id = $1 and u.directory_id = $2`;
const LOCK = `select ${WITH_GROUPS} from directory_users u where u.id = $1 and u.directory_id = $2 for update of u`;
const BY_IDS = `select ${WITH_GROUPS} from directory_users u where u.id = any($1::uuid[])`;
const KNOWN_IN_DIRECTORY = 'select id from directory_users where directory_id = $1 and id = any($2::uuid[])';
const DELETE = 'delete from directory_users where id = $1';
const IN_ENVIRONMENT = `select ${USER} from directory_users u join directories d on d.id = u.directory_id
    join organizations o on o.id = d.organization_id where u.id = $1 and o.environment_id = $2
    and ($3::uuid is null or o.id = $3)`;

const PAGE_FILTER = `u.directory_id = $1 and ($2::text is null or u.state = $2) and ($3::text is null or u.email = $3)
  and ($4::text is null or u.user_name_lower = $4)
  and ($5::text is null or u.user_name_lower ilike $5 or u.email ilike $5 or u.display_name ilike $5)`;
const PAGE = `select ${USER} from directory_users u where ${PAGE_FILTER} and ($6::uuid is null or u.id > $6)
  order by u.id limit $7`;
const PAGE_COUNT = `select count(*) as n from directory_users u where ${PAGE_FILTER}`;

/** What the admin API filters users by; `search` is an ILIKE pattern. Null leaves a condition out. */
export interface UserPageFilter {
  readonly state: UserState | null;
  readonly email: string | null;
  readonly userNameLower: string | null;
  readonly search: string | null;
}

/** Up to `limit` users of a directory after the id `after` (keyset, id order), and how many match in all. */
export async function userPage(
  sql: Sql,
  directoryId: string,
  filter: UserPageFilter,
  after: string | null,
  limit: number,
): Promise<{ rows: UserRow[]; total: number }> {
  const params = [directoryId, filter.state, filter.email, filter.userNameLower, filter.search];
  const [rows, [count]] = await Promise.all([
    sql.query<UserRow>(PAGE, [...params, after, limit]),
    sql.query<{ n: string }>(PAGE_COUNT, params),
  ]);
  return { rows, total: Number(count?.n ?? 0) };
}

function normalizedParams(user: NormalizedUser, raw: Record<string, unknown>): unknown[] {
  return [
    user.externalId,
    user.userName,
    user.userNameLower,
    user.email,
    user.emails,
    user.firstName,
    user.lastName,
    user.displayName,
    user.state,
    raw,
  ];
}

/**
 * Inserts a user (version 1) and the events describing it in one statement (one commit, one round trip):
 * both or neither. A taken userName fails the statement with a unique violation.
 */
export async function insertUserWithEvents(
  db: Database,
  id: string,
  directoryId: string,
  user: NormalizedUser,
  raw: Record<string, unknown>,
  scope: EventScope,
  events: readonly NewEvent[],
): Promise<UserRow> {
  const params = [id, directoryId, ...normalizedParams(user, raw), new Date()];
  const insertEvents = eventsInsert(scope, events, params.length);
  const [row] = await db.write<UserRow>(`with u as (${INSERT}), e as (${insertEvents.text}) select * from u`, [
    ...params,
    ...insertEvents.params,
  ]);
  return row as UserRow;
}

/**
 * {@link updateUserRow} and the user's `dsync.user.updated` event in one statement, which commits `tx`. The
 * event's snapshots get the user's groups as this statement reads them (so after any membership change the
 * row lock waited for): `data` is sent with empty `before.groups` and `after.groups`, which it fills in.
 */
export async function updateUserRowWithEvent(
  tx: Transaction,
  id: string,
  user: NormalizedUser,
  raw: Record<string, unknown>,
  scope: EventScope,
  event: NewEvent,
): Promise<UserWithGroups> {
  const params = [id, ...normalizedParams(user, raw), new Date()];
  const insert = eventsInsert(scope, [event], params.length);
  const at = params.length;
  const text = `with gs as (${groupsOf('$1')}), u as (${UPDATE_ROW}),
    e as (insert into events (${EVENT_COLUMNS}) select $${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5},
      jsonb_set(jsonb_set($${at + 6}::jsonb, '{before,groups}', gs.groups::jsonb), '{after,groups}', gs.groups::jsonb),
      $${at + 7} from gs)
    select u.*, gs.groups from u, gs`;
  const [row] = await tx.commitWith<UserWithGroups>(text, [...params, ...insert.params]);
  return row as UserWithGroups;
}

/**
 * Writes new normalized columns and raw resource, bumps the version, commits `tx`, and returns the row with
 * its groups — read by this statement, so after any membership change the row lock waited for.
 */
export async function updateUserRow(
  tx: Transaction,
  id: string,
  user: NormalizedUser,
  raw: Record<string, unknown>,
): Promise<UserWithGroups> {
  const [row] = await tx.commitWith<UserWithGroups>(UPDATE, [id, ...normalizedParams(user, raw), new Date()]);
  return row as UserWithGroups;
}

/** One user of a directory with its groups, or undefined. */
export async function findUser(sql: Sql, directoryId: string, id: string): Promise<UserWithGroups | undefined> {
  return (await sql.query<UserWithGroups>(FIND, [id, directoryId]))[0];
}

/** One user of a directory, without its groups, or undefined. */
export async function findUserRow(sql: Sql, directoryId: string, id: string): Promise<UserRow | undefined> {
  return (await sql.query<UserRow>(FIND_ROW, [id, directoryId]))[0];
}

/**
 * One user of a directory with its groups, its row locked (SELECT … FOR UPDATE) until the transaction ends.
 * The groups are as of the statement's start: when the lock had to wait for a membership change, they miss
 * it (the next statement sees it).
 */
export async function lockUser(sql: Sql, directoryId: string, id: string): Promise<UserWithGroups | undefined> {
  return (await sql.query<UserWithGroups>(LOCK, [id, directoryId]))[0];
}

/** Users by id, each with its groups (for event snapshots); unknown ids are left out. */
export function usersByIds(sql: Sql, ids: readonly string[]): Promise<UserWithGroups[]> {
  return sql.query<UserWithGroups>(BY_IDS, [ids]);
}

/** Which of `ids` (well-formed uuids) are users of the directory. */
export async function knownUserIds(sql: Sql, directoryId: string, ids: readonly string[]): Promise<Set<string>> {
  return new Set((await sql.query<{ id: string }>(KNOWN_IN_DIRECTORY, [directoryId, ids])).map((row) => row.id));
}

/** Deletes the user row as the last statement of `tx`, committing it in the same round trip. */
export async function deleteUserRow(tx: Transaction, id: string): Promise<void> {
  await tx.commitWith(DELETE, [id]);
}

/** A user of any directory of the environment (of one organization, when given), or undefined. */
export async function findUserInEnvironment(
  sql: Sql,
  environmentId: string,
  organizationId: string | null,
  id: string,
): Promise<UserRow | undefined> {
  return (await sql.query<UserRow>(IN_ENVIRONMENT, [id, environmentId, organizationId]))[0];
}

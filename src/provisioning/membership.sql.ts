import type { Sql } from '../db/sql.js';
import { groupColumns } from './group.sql.js';
import { userColumns } from './user.sql.js';

/** The statements of memberships (`group_members`): set operations in SQL, never a loaded member list. */

export interface MemberRef {
  readonly id: string;
  readonly userName: string;
  readonly displayName: string | null;
}

export interface AddedMembers {
  /** How many of the requested ids are users of the directory. */
  readonly known: number;
  /** The users that were not members yet, in request order. */
  readonly added: string[];
}

const ADD = `with wanted as (
    select u.id, t.n from unnest($2::uuid[]) with ordinality as t(id, n)
      join directory_users u on u.id = t.id and u.directory_id = $3
  ), added as (
    insert into group_members (group_id, user_id, created_at) select $1, id, now() from wanted order by n
      on conflict do nothing returning user_id
  )
  select (select count(*) from wanted)::int as known, coalesce((select array_agg(user_id) from added), '{}') as added`;
const REMOVE = 'delete from group_members where group_id = $1 and user_id = any($2::uuid[]) returning user_id';
const REMOVE_ALL_BUT = 'delete from group_members where group_id = $1 and user_id <> all($2::uuid[]) returning user_id';
const REMOVE_USER = 'delete from group_members where user_id = $1 returning group_id';
const GROUP_IDS_OF_USER = 'select group_id from group_members where user_id = $1';
const MEMBERS = `select gm.group_id as "groupId", u.id, u.user_name as "userName", u.display_name as "displayName"
  from group_members gm join directory_users u on u.id = gm.user_id where gm.group_id = any($1::uuid[]) order by u.id`;

/**
 * Adds users of the directory (well-formed, distinct ids) to a group in one statement; ids of other
 * directories or of no user are left out and counted in `known`. A user deleted meanwhile fails the
 * statement with a foreign-key violation.
 */
export async function addMembers(
  sql: Sql,
  directoryId: string,
  groupId: string,
  userIds: readonly string[],
): Promise<AddedMembers> {
  const [row] = await sql.query<AddedMembers>(ADD, [groupId, userIds, directoryId]);
  return row ?? { known: 0, added: [] };
}

/** Removes the given members (well-formed ids); returns the ids removed. */
export async function removeMembers(sql: Sql, groupId: string, userIds: readonly string[]): Promise<string[]> {
  return (await sql.query<{ user_id: string }>(REMOVE, [groupId, userIds])).map((row) => row.user_id);
}

/** Removes every member not in `keep` (well-formed ids); returns the ids removed. */
export async function removeMembersExcept(sql: Sql, groupId: string, keep: readonly string[]): Promise<string[]> {
  return (await sql.query<{ user_id: string }>(REMOVE_ALL_BUT, [groupId, keep])).map((row) => row.user_id);
}

/** Removes a user from every group; returns the ids of those groups. */
export async function removeUserFromGroups(sql: Sql, userId: string): Promise<string[]> {
  return (await sql.query<{ group_id: string }>(REMOVE_USER, [userId])).map((row) => row.group_id);
}

/** The ids of the groups a user is in. */
export async function groupIdsOfUser(sql: Sql, userId: string): Promise<string[]> {
  return (await sql.query<{ group_id: string }>(GROUP_IDS_OF_USER, [userId])).map((row) => row.group_id);
}

/** The members of each group, in one query, ordered by user id. */
export async function membersOfGroups(sql: Sql, groupIds: readonly string[]): Promise<Map<string, MemberRef[]>> {
  const byGroup = new Map<string, MemberRef[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return byGroup;
  const rows = await sql.query<MemberRef & { groupId: string }>(MEMBERS, [groupIds]);
  for (const { groupId, ...member } of rows) byGroup.get(groupId)?.push(member);
  return byGroup;
}

/** A related row of {@link relatedRows}: the child's columns plus its parent and window counts. */
export type RelatedRow<T> = T & { parentId: string; total: string; remaining: string };

interface Relation {
  readonly table: string;
  readonly columns: string;
  /** group_members column holding the parent id, and the one holding the child id. */
  readonly parentColumn: 'user_id' | 'group_id';
  readonly childColumn: 'user_id' | 'group_id';
}

function relatedStatement({ table, columns, parentColumn, childColumn }: Relation): string {
  return `with related as (
       select gm.${parentColumn} as parent_id, gm.${childColumn} as child_id,
              count(*) over (partition by gm.${parentColumn}) as total
         from group_members gm where gm.${parentColumn} = any($1::uuid[])
     ), ranked as (
       select r.*, row_number() over (partition by r.parent_id order by r.child_id) as rn,
              count(*) over (partition by r.parent_id) as remaining
         from related r where $2::uuid is null or r.child_id > $2::uuid
     )
     select ${columns}, ranked.parent_id as "parentId", ranked.total, ranked.remaining
       from ranked join ${table} t on t.id = ranked.child_id
      where ranked.rn <= $3 order by ranked.parent_id, ranked.child_id`;
}

const GROUPS_OF_USERS = relatedStatement({
  table: 'directory_groups',
  columns: groupColumns('t'),
  parentColumn: 'user_id',
  childColumn: 'group_id',
});
const MEMBERS_OF_GROUPS = relatedStatement({
  table: 'directory_users',
  columns: userColumns('t'),
  parentColumn: 'group_id',
  childColumn: 'user_id',
});

/**
 * Up to `first` related rows after `after` (by id) for each parent, in one query (window functions):
 * a user's groups (`kind` groups) or a group's members (`kind` members).
 */
export function relatedRows<T>(
  sql: Sql,
  kind: 'groups' | 'members',
  parentIds: readonly string[],
  after: string | null,
  first: number,
): Promise<RelatedRow<T>[]> {
  return sql.query<RelatedRow<T>>(kind === 'groups' ? GROUPS_OF_USERS : MEMBERS_OF_GROUPS, [parentIds, after, first]);
}

/** How many related rows each parent has (parents without any are left out). */
export async function relatedCounts(
  sql: Sql,
  kind: 'groups' | 'members',
  parentIds: readonly string[],
): Promise<Map<string, number>> {
  const rows = await sql.query<{ parentId: string; total: string }>(
    kind === 'groups'
      ? 'select user_id as "parentId", count(*) as total from group_members where user_id = any($1::uuid[]) group by 1'
      : 'select group_id as "parentId", count(*) as total from group_members where group_id = any($1::uuid[]) group by 1',
    [parentIds],
  );
  return new Map(rows.map((row) => [row.parentId, Number(row.total)]));
}

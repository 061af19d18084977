import { isDeepStrictEqual } from 'node:util';

import { foundOrThrow } from '../db/find.js';
import type { Database, Sql } from '../db/sql.js';
import { changedFields, changedPaths } from '../events/changes.js';
import type { EventScope, GroupSnapshot } from '../events/event-types.js';
import { insertEvents, insertEventsAndCommit, type NewEvent } from '../events/record-event.js';
import { ConflictError, InvalidInputError } from '../lib/errors.js';
import { isUuid, newId } from '../lib/ids.js';
import { checkVersion, type ExpectedVersions } from './expected-version.js';
import { column, resourceTypeColumn, type FilterSchema } from './filter-sql.js';
import type { ListQuery } from './filter.js';
import {
  bumpGroups,
  deleteGroupRow,
  displayNameTaken,
  findGroup,
  groupColumns,
  insertGroup,
  lockGroup,
  updateGroupRow,
  type GroupRow,
} from './group.sql.js';
import { LIST_ALIAS, listInDirectory, type ListResult } from './list.js';
import {
  removeMembers as deleteMembers,
  addMembers as insertMembers,
  membersOfGroups,
  removeMembersExcept,
  type MemberRef,
} from './membership.sql.js';
import { normalizeGroup } from './normalize.js';
import { GROUP_FIELDS, groupSnapshot, userSnapshot } from './snapshots.js';
import { knownUserIds, usersByIds } from './user.sql.js';

export type { GroupRow } from './group.sql.js';
export type { MemberRef } from './membership.sql.js';

/** A group with its members (ordered by user id). */
export type GroupWithMembers = GroupRow & { readonly members: readonly MemberRef[] };

export const groupFilterSchema: FilterSchema = {
  rawColumn: 'raw',
  columns: {
    id: column('uuid', 'id'),
    externalid: column('text', 'external_id'),
    displayname: column('lowerText', 'display_name_lower'),
    'meta.created': column('timestamp', 'created_at'),
    'meta.lastmodified': column('timestamp', 'updated_at'),
    'meta.resourcetype': resourceTypeColumn('Group'),
  },
  relations: {
    members: {
      exists: (alias, el, condition) =>
        `exists (select 1 from group_members gm join directory_users ${el} on ${el}.id = gm.user_id where gm.group_id = ${alias}.id and ${condition})`,
      columns: { value: column('uuid', 'id'), display: column('text', 'display_name') },
    },
  },
};

/** A change to a group's member list, applied in SQL without loading the list (groups can be huge). */
export type MemberChange =
  | { readonly op: 'add'; readonly userIds: readonly string[] }
  | { readonly op: 'remove'; readonly userIds: readonly string[] }
  | { readonly op: 'replace'; readonly userIds: readonly string[] }
  | { readonly op: 'removeAll' };

export interface GroupChange {
  /** New raw resource (displayName, externalId, extension attributes); undefined leaves it as is. */
  readonly raw?: (group: GroupRow) => Record<string, unknown>;
  readonly members: readonly MemberChange[];
  /** The versions the change may apply to (If-Match); a group at another version is a PreconditionFailedError. */
  readonly expected?: ExpectedVersions;
}

/** Net membership transitions of one write, in the order they happened; an add undone by a remove cancels out. */
type MembershipDelta = Map<string, 'added' | 'removed'>;

function note(delta: MembershipDelta, userIds: readonly string[], transition: 'added' | 'removed'): void {
  for (const userId of userIds) {
    if (delta.has(userId) && delta.get(userId) !== transition) delta.delete(userId);
    else delta.set(userId, transition);
  }
}

/** PostgreSQL's foreign_key_violation (23503). */
function isForeignKeyViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23503';
}

/** Adds members that are users of the same directory; any other id is an InvalidInputError naming it. Returns the ids added. */
async function addMembers(
  tx: Sql,
  directoryId: string,
  groupId: string,
  userIds: readonly string[],
): Promise<string[]> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return [];
  const malformed = ids.filter((id) => !isUuid(id));
  if (malformed.length > 0)
    throw new InvalidInputError(`members not found in this directory: ${ids.join(', ')}`, 'members');
  let result;
  try {
    result = await insertMembers(tx, directoryId, groupId, ids);
  } catch (error) {
    // A user deleted between reading and inserting (a concurrent DELETE /Users).
    if (isForeignKeyViolation(error))
      throw new InvalidInputError('members not found in this directory (deleted meanwhile)', 'members');
    throw error;
  }
  if (result.known < ids.length) {
    // The transaction rolls back: nothing of this write stays.
    const known = await knownUserIds(tx, directoryId, ids);
    const unknown = ids.filter((id) => !known.has(id));
    throw new InvalidInputError(`members not found in this directory: ${unknown.join(', ')}`, 'members');
  }
  return result.added;
}

/** Removes the given members, or every member not in `keep`. Returns the ids removed. */
async function removeMembers(
  tx: Sql,
  groupId: string,
  which: { readonly only: readonly string[] } | { readonly keep: readonly string[] },
): Promise<string[]> {
  if ('only' in which) {
    const ids = which.only.filter(isUuid);
    if (ids.length === 0) return [];
    return (await deleteMembers(tx, groupId, ids)).sort();
  }
  return (await removeMembersExcept(tx, groupId, which.keep.filter(isUuid))).sort();
}

async function applyMemberChanges(
  tx: Sql,
  directoryId: string,
  groupId: string,
  changes: readonly MemberChange[],
): Promise<MembershipDelta> {
  const delta: MembershipDelta = new Map();
  for (const change of changes) {
    if (change.op === 'add') note(delta, await addMembers(tx, directoryId, groupId, change.userIds), 'added');
    else if (change.op === 'remove') note(delta, await removeMembers(tx, groupId, { only: change.userIds }), 'removed');
    else if (change.op === 'removeAll') note(delta, await removeMembers(tx, groupId, { keep: [] }), 'removed');
    else {
      // PUT: drop who is not listed, add who is missing; members that stay are not touched (no events for them).
      note(delta, await removeMembers(tx, groupId, { keep: change.userIds }), 'removed');
      note(delta, await addMembers(tx, directoryId, groupId, change.userIds), 'added');
    }
  }
  return delta;
}

/** One `user_added` / `user_removed` event per user whose membership changed, each user with its groups afterwards. */
async function membershipEvents(
  tx: Sql,
  scope: EventScope,
  group: GroupRow,
  delta: MembershipDelta,
): Promise<NewEvent[]> {
  if (delta.size === 0) return [];
  const users = new Map((await usersByIds(tx, [...delta.keys()])).map((user) => [user.id, user]));
  const snapshot = groupSnapshot(group, scope);
  const events: NewEvent[] = [];
  for (const [userId, transition] of delta) {
    const user = users.get(userId);
    if (!user) continue;
    const data = { user: userSnapshot(user, scope, user.groups), group: snapshot };
    events.push(
      transition === 'added' ? { type: 'dsync.group.user_added', data } : { type: 'dsync.group.user_removed', data },
    );
  }
  return events;
}

/**
 * The group, locked for this transaction: NotFoundError when there is none, PreconditionFailedError when its
 * version is not `expected`.
 */
async function lockGroupOrFail(
  tx: Sql,
  directoryId: string,
  id: string,
  expected: ExpectedVersions,
): Promise<GroupRow> {
  return checkVersion('Group', await foundOrThrow('Group', id, () => lockGroup(tx, directoryId, id)), expected);
}

/** A group of the directory; a NotFoundError when there is none. */
export async function findGroupOrFail(sql: Sql, directoryId: string, id: string): Promise<GroupRow> {
  return foundOrThrow('Group', id, () => findGroup(sql, directoryId, id));
}

/** The groups with their members (one query for all of them). */
export async function withMembers(sql: Sql, groups: readonly GroupRow[]): Promise<GroupWithMembers[]> {
  const members = await membersOfGroups(
    sql,
    groups.map((group) => group.id),
  );
  return groups.map((group) => ({ ...group, members: members.get(group.id) ?? [] }));
}

/**
 * Creates a group with its initial members (Okta sends them in the POST body) in one transaction:
 * `dsync.group.created`, then one `dsync.group.user_added` per member.
 */
/**
 * A group's displayName is unique in its directory, case-insensitively, as Entra ID and the Microsoft SCIM
 * validator expect (409 uniqueness); another group's rename frees its old name at once.
 */
async function claimDisplayName(
  tx: Sql,
  directoryId: string,
  displayNameLower: string,
  groupId: string | null,
): Promise<void> {
  if (await displayNameTaken(tx, directoryId, displayNameLower, groupId))
    throw new ConflictError('a group with this displayName already exists in the directory');
}

export async function createGroup(
  db: Database,
  scope: EventScope,
  raw: Record<string, unknown>,
  memberIds: readonly string[],
): Promise<GroupRow> {
  const normalized = normalizeGroup(raw);
  return db.transaction(async (tx) => {
    await claimDisplayName(tx, scope.directoryId, normalized.displayNameLower, null);
    const group = await insertGroup(tx, newId(), scope.directoryId, normalized, raw);
    const delta: MembershipDelta = new Map();
    note(delta, await addMembers(tx, scope.directoryId, group.id, memberIds), 'added');
    await insertEventsAndCommit(tx, scope, [
      { type: 'dsync.group.created', data: { before: null, after: groupSnapshot(group, scope), changed: [] } },
      ...(await membershipEvents(tx, scope, group, delta)),
    ]);
    return group;
  });
}

function groupChanges(before: GroupSnapshot, after: GroupSnapshot): string[] {
  return [...new Set([...changedFields(before, after, GROUP_FIELDS), ...changedPaths(before.raw, after.raw)])];
}

/**
 * Changes a group in one transaction. Attribute changes lock the row (SELECT … FOR UPDATE); member changes
 * are set operations in SQL, so concurrent PATCHes of one group's members never lose a member. Records
 * `dsync.group.updated` when attributes changed and one membership event per user whose membership changed.
 * The version goes up once for changed attributes and once for changed membership.
 */
export async function updateGroup(db: Database, scope: EventScope, id: string, change: GroupChange): Promise<GroupRow> {
  return db.transaction(async (tx) => {
    const group = await lockGroupOrFail(tx, scope.directoryId, id, change.expected);
    let raw = change.raw?.(group);
    if (raw !== undefined && isDeepStrictEqual(raw, group.raw)) raw = undefined;
    const normalized = raw === undefined ? undefined : normalizeGroup(raw);
    if (normalized && normalized.displayNameLower !== group.displayName.toLowerCase())
      await claimDisplayName(tx, scope.directoryId, normalized.displayNameLower, group.id);
    const delta = await applyMemberChanges(tx, scope.directoryId, group.id, change.members);
    if (normalized === undefined && delta.size === 0) return group;
    const updated =
      raw !== undefined && normalized !== undefined
        ? await updateGroupRow(tx, group.id, normalized, raw, delta.size > 0 ? 2 : 1)
        : ((await bumpGroups(tx, [group.id]))[0] ?? group);
    const before = groupSnapshot(group, scope);
    const after = groupSnapshot(updated, scope);
    const changed = groupChanges(before, after);
    await insertEventsAndCommit(tx, scope, [
      ...(changed.length > 0 ? [{ type: 'dsync.group.updated' as const, data: { before, after, changed } }] : []),
      ...(await membershipEvents(tx, scope, updated, delta)),
    ]);
    return updated;
  });
}

/**
 * Deletes a group: one `dsync.group.user_removed` per member, then `dsync.group.deleted`, in one transaction.
 * With `expected` versions, a group at another version is a PreconditionFailedError and nothing is deleted.
 */
export async function deleteGroup(
  db: Database,
  scope: EventScope,
  id: string,
  expected?: ExpectedVersions,
): Promise<void> {
  await db.transaction(async (tx) => {
    const group = await lockGroupOrFail(tx, scope.directoryId, id, expected);
    const delta: MembershipDelta = new Map();
    note(delta, await removeMembers(tx, group.id, { keep: [] }), 'removed');
    await insertEvents(tx, scope, [
      ...(await membershipEvents(tx, scope, group, delta)),
      { type: 'dsync.group.deleted', data: { before: groupSnapshot(group, scope), after: null, changed: [] } },
    ]);
    await deleteGroupRow(tx, group.id);
  });
}

const GROUP_LIST = { table: 'directory_groups', columns: groupColumns(LIST_ALIAS), schema: groupFilterSchema };

/** One page of a directory's groups plus the total, both computed by the database. */
export function listGroups(sql: Sql, directoryId: string, query: ListQuery): Promise<ListResult<GroupRow>> {
  return listInDirectory(sql, GROUP_LIST, directoryId, query);
}

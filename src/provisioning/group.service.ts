import { isDeepStrictEqual } from 'node:util';
import { ForeignKeyConstraintViolationException, LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

import { changedFields, changedPaths } from '../events/changes.js';
import type { EventScope, GroupSnapshot } from '../events/event-types.js';
import { recordEvent } from '../events/record-event.js';
import { InvalidInputError, NotFoundError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import { Directory } from '../tenancy/directory.entity.js';
import { column, type FilterSchema } from './filter-sql.js';
import type { ListQuery } from './filter.js';
import { DirectoryGroup } from './group.entity.js';
import { listInDirectory, type ListResult } from './list.js';
import { normalizeGroup } from './normalize.js';
import { GROUP_FIELDS, groupSnapshot, userSnapshot } from './snapshots.js';
import { DirectoryUser } from './user.entity.js';
import { groupsOfUsers } from './user.service.js';

export const groupFilterSchema: FilterSchema = {
  rawColumn: 'raw',
  columns: {
    id: column('uuid', 'id'),
    externalid: column('text', 'external_id'),
    displayname: column('lowerText', 'display_name_lower'),
    'meta.created': column('timestamp', 'created_at'),
    'meta.lastmodified': column('timestamp', 'updated_at'),
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
  readonly raw?: (group: DirectoryGroup) => Record<string, unknown>;
  readonly members: readonly MemberChange[];
}

export interface MemberRef {
  readonly id: string;
  readonly userName: string;
  readonly displayName: string | null;
}

function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(',');
}

/** Net membership transitions of one write, in the order they happened; an add undone by a remove cancels out. */
type MembershipDelta = Map<string, 'added' | 'removed'>;

function note(delta: MembershipDelta, userIds: readonly string[], transition: 'added' | 'removed'): void {
  for (const userId of userIds) {
    if (delta.has(userId) && delta.get(userId) !== transition) delta.delete(userId);
    else delta.set(userId, transition);
  }
}

/** Adds members that are users of the same directory; any other id is an InvalidInputError naming it. Returns the ids added. */
async function addMembers(
  em: EntityManager,
  directoryId: string,
  groupId: string,
  userIds: readonly string[],
): Promise<string[]> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return [];
  const malformed = ids.filter((id) => !isUuid(id));
  const known = malformed.length
    ? []
    : await em.execute<{ id: string }[]>(
        `select id from directory_users where directory_id = ? and id in (${placeholders(ids)})`,
        [directoryId, ...ids],
      );
  const knownIds = new Set(known.map((row) => row.id));
  const unknown = ids.filter((id) => !knownIds.has(id));
  if (unknown.length > 0)
    throw new InvalidInputError(`members not found in this directory: ${unknown.join(', ')}`, 'members');
  try {
    const rows = await em.execute<{ user_id: string }[]>(
      `insert into group_members (group_id, user_id, created_at) select ?, id, now() from unnest(array[${placeholders(ids)}]::uuid[]) with ordinality as t(id, n)
        order by n on conflict do nothing returning user_id`,
      [groupId, ...ids],
    );
    return rows.map((row) => row.user_id);
  } catch (error) {
    // A user deleted between the check above and the insert (a concurrent DELETE /Users).
    if (error instanceof ForeignKeyConstraintViolationException)
      throw new InvalidInputError('members not found in this directory (deleted meanwhile)', 'members');
    throw error;
  }
}

/** Removes the given members, or every member not in `keep`. Returns the ids removed. */
async function removeMembers(
  em: EntityManager,
  groupId: string,
  which: { readonly only: readonly string[] } | { readonly keep: readonly string[] },
): Promise<string[]> {
  let rows: { user_id: string }[];
  if ('only' in which) {
    const ids = which.only.filter(isUuid);
    if (ids.length === 0) return [];
    rows = await em.execute(
      `delete from group_members where group_id = ? and user_id in (${placeholders(ids)}) returning user_id`,
      [groupId, ...ids],
    );
  } else {
    const keep = which.keep.filter(isUuid);
    rows = await em.execute(
      `delete from group_members where group_id = ? and user_id <> all(array[${placeholders(keep)}]::uuid[]) returning user_id`,
      [groupId, ...keep],
    );
  }
  return rows.map((row) => row.user_id).sort();
}

async function applyMemberChanges(
  em: EntityManager,
  directoryId: string,
  groupId: string,
  changes: readonly MemberChange[],
): Promise<MembershipDelta> {
  const delta: MembershipDelta = new Map();
  for (const change of changes) {
    if (change.op === 'add') note(delta, await addMembers(em, directoryId, groupId, change.userIds), 'added');
    else if (change.op === 'remove') note(delta, await removeMembers(em, groupId, { only: change.userIds }), 'removed');
    else if (change.op === 'removeAll') note(delta, await removeMembers(em, groupId, { keep: [] }), 'removed');
    else {
      // PUT: drop who is not listed, add who is missing; members that stay are not touched (no events for them).
      note(delta, await removeMembers(em, groupId, { keep: change.userIds }), 'removed');
      note(delta, await addMembers(em, directoryId, groupId, change.userIds), 'added');
    }
  }
  return delta;
}

/** One `user_added` / `user_removed` event per user whose membership changed, each user with its groups afterwards. */
async function recordMembershipEvents(
  em: EntityManager,
  scope: EventScope,
  group: DirectoryGroup,
  delta: MembershipDelta,
): Promise<void> {
  if (delta.size === 0) return;
  const userIds = [...delta.keys()];
  const users = new Map((await em.find(DirectoryUser, { id: { $in: userIds } })).map((user) => [user.id, user]));
  const groupsByUser = await groupsOfUsers(em, userIds);
  const snapshot = groupSnapshot(group, scope);
  for (const [userId, transition] of delta) {
    const user = users.get(userId);
    if (!user) continue;
    const data = { user: userSnapshot(user, scope, groupsByUser.get(userId) ?? []), group: snapshot };
    recordEvent(em, scope, transition === 'added' ? 'dsync.group.user_added' : 'dsync.group.user_removed', data);
  }
}

async function lockGroup(em: EntityManager, directoryId: string, id: string): Promise<DirectoryGroup> {
  const group = isUuid(id)
    ? await em.findOne(DirectoryGroup, { id, directory: directoryId }, { lockMode: LockMode.PESSIMISTIC_WRITE })
    : null;
  if (!group) throw new NotFoundError('Group', id);
  return group;
}

export async function findGroupOrFail(em: EntityManager, directoryId: string, id: string): Promise<DirectoryGroup> {
  const group = isUuid(id) ? await em.findOne(DirectoryGroup, { id, directory: directoryId }) : null;
  if (!group) throw new NotFoundError('Group', id);
  return group;
}

/**
 * Creates a group with its initial members (Okta sends them in the POST body) in one transaction:
 * `dsync.group.created`, then one `dsync.group.user_added` per member.
 */
export async function createGroup(
  em: EntityManager,
  scope: EventScope,
  raw: Record<string, unknown>,
  memberIds: readonly string[],
): Promise<DirectoryGroup> {
  return em.transactional(async (tx) => {
    const group = tx.create(DirectoryGroup, {
      directory: tx.getReference(Directory, scope.directoryId),
      ...normalizeGroup(raw),
      raw,
    });
    recordEvent(tx, scope, 'dsync.group.created', { before: null, after: groupSnapshot(group, scope), changed: [] });
    await tx.flush();
    const delta: MembershipDelta = new Map();
    note(delta, await addMembers(tx, scope.directoryId, group.id, memberIds), 'added');
    await recordMembershipEvents(tx, scope, group, delta);
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
 */
export async function updateGroup(
  em: EntityManager,
  scope: EventScope,
  id: string,
  change: GroupChange,
): Promise<DirectoryGroup> {
  return em.transactional(async (tx) => {
    const group = await lockGroup(tx, scope.directoryId, id);
    const before = groupSnapshot(group, scope);
    if (change.raw) {
      const raw = change.raw(group);
      if (!isDeepStrictEqual(raw, group.raw)) Object.assign(group, normalizeGroup(raw), { raw });
    }
    const delta = await applyMemberChanges(tx, scope.directoryId, group.id, change.members);
    await tx.flush();
    if (delta.size > 0) {
      // Membership is part of the group's state: bump its version and lastModified.
      await tx.execute(
        'update directory_groups set version = version + 1, updated_at = now() where id = ?',
        [group.id],
        'run',
      );
      await tx.refresh(group);
    }
    const after = groupSnapshot(group, scope);
    const changed = groupChanges(before, after);
    if (changed.length > 0) recordEvent(tx, scope, 'dsync.group.updated', { before, after, changed });
    await recordMembershipEvents(tx, scope, group, delta);
    return group;
  });
}

/** Deletes a group: one `dsync.group.user_removed` per member, then `dsync.group.deleted`, in one transaction. */
export async function deleteGroup(em: EntityManager, scope: EventScope, id: string): Promise<void> {
  await em.transactional(async (tx) => {
    const group = await lockGroup(tx, scope.directoryId, id);
    const before = groupSnapshot(group, scope);
    const delta: MembershipDelta = new Map();
    note(delta, await removeMembers(tx, group.id, { keep: [] }), 'removed');
    await recordMembershipEvents(tx, scope, group, delta);
    recordEvent(tx, scope, 'dsync.group.deleted', { before, after: null, changed: [] });
    await tx.flush();
    await tx.nativeDelete(DirectoryGroup, { id: group.id });
  });
}

export function listGroups(
  em: EntityManager,
  directoryId: string,
  query: ListQuery,
): Promise<ListResult<DirectoryGroup>> {
  return listInDirectory(em, DirectoryGroup, groupFilterSchema, directoryId, query);
}

/** The members of each group, in one query. */
export async function membersOfGroups(
  em: EntityManager,
  groupIds: readonly string[],
): Promise<Map<string, MemberRef[]>> {
  const byGroup = new Map<string, MemberRef[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return byGroup;
  const rows = await em.execute<{ group_id: string; id: string; user_name: string; display_name: string | null }[]>(
    `select gm.group_id, u.id, u.user_name, u.display_name from group_members gm join directory_users u on u.id = gm.user_id
      where gm.group_id in (${placeholders(groupIds)}) order by u.id`,
    [...groupIds],
  );
  for (const row of rows)
    byGroup.get(row.group_id)?.push({ id: row.id, userName: row.user_name, displayName: row.display_name });
  return byGroup;
}

import { isDeepStrictEqual } from 'node:util';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

import { changedFields, changedPaths } from '../events/changes.js';
import type { EventScope, UserSnapshot } from '../events/event-types.js';
import { recordEvent } from '../events/record-event.js';
import { ConflictError, NotFoundError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import { Directory } from '../tenancy/directory.entity.js';
import { column, type FilterSchema } from './filter-sql.js';
import type { ListQuery } from './filter.js';
import { DirectoryGroup } from './group.entity.js';
import { listInDirectory, type ListResult } from './list.js';
import { normalizeUser } from './normalize.js';
import { groupSnapshot, USER_FIELDS, userSnapshot } from './snapshots.js';
import { DirectoryUser } from './user.entity.js';

/** How SCIM user attributes map onto columns (indexed where IdPs filter: userName, externalId, emails). */
export const userFilterSchema: FilterSchema = {
  rawColumn: 'raw',
  columns: {
    id: column('uuid', 'id'),
    externalid: column('text', 'external_id'),
    username: column('lowerText', 'user_name_lower'),
    displayname: column('text', 'display_name'),
    'name.givenname': column('text', 'first_name'),
    'name.familyname': column('text', 'last_name'),
    'meta.created': column('timestamp', 'created_at'),
    'meta.lastmodified': column('timestamp', 'updated_at'),
  },
  arrayColumns: { emails: column('lowerText', 'emails') },
  relations: {
    groups: {
      exists: (alias, el, condition) =>
        `exists (select 1 from group_members gm join directory_groups ${el} on ${el}.id = gm.group_id where gm.user_id = ${alias}.id and ${condition})`,
      columns: { value: column('uuid', 'id'), display: column('text', 'display_name') },
    },
  },
  special: (alias, path, op, value) => {
    if (path !== 'active' || (op !== 'eq' && op !== 'ne')) return undefined;
    const wanted = typeof value === 'string' ? value.toLowerCase() === 'true' : value === true;
    return { sql: `${alias}.state ${(op === 'eq') === wanted ? '=' : '<>'} 'active'`, params: [] };
  },
};

function applyNormalized(user: DirectoryUser, raw: Record<string, unknown>): void {
  Object.assign(user, normalizeUser(raw), { raw });
}

function conflict(error: unknown): never {
  if (error instanceof UniqueConstraintViolationException) {
    throw new ConflictError('a user with this userName already exists in the directory');
  }
  throw error;
}

export async function findUserOrFail(em: EntityManager, directoryId: string, id: string): Promise<DirectoryUser> {
  const user = isUuid(id) ? await em.findOne(DirectoryUser, { id, directory: directoryId }) : null;
  if (!user) throw new NotFoundError('User', id);
  return user;
}

/** The groups of one user (for event snapshots). */
async function groupsOfUser(em: EntityManager, userId: string): Promise<GroupRef[]> {
  return (await groupsOfUsers(em, [userId])).get(userId) ?? [];
}

async function lockUser(em: EntityManager, directoryId: string, id: string): Promise<DirectoryUser> {
  const user = isUuid(id)
    ? await em.findOne(DirectoryUser, { id, directory: directoryId }, { lockMode: LockMode.PESSIMISTIC_WRITE })
    : null;
  if (!user) throw new NotFoundError('User', id);
  return user;
}

/** What changed between two snapshots: normalized fields, then every changed SCIM attribute path. */
export function userChanges(before: UserSnapshot, after: UserSnapshot): string[] {
  return [...new Set([...changedFields(before, after, USER_FIELDS), ...changedPaths(before.raw, after.raw)])];
}

/** Creates a user and its `dsync.user.created` event in one transaction; a taken userName is a ConflictError. */
export async function createUser(
  em: EntityManager,
  scope: EventScope,
  raw: Record<string, unknown>,
): Promise<DirectoryUser> {
  const user = em.create(DirectoryUser, {
    directory: em.getReference(Directory, scope.directoryId),
    ...normalizeUser(raw),
    raw,
  });
  recordEvent(em, scope, 'dsync.user.created', { before: null, after: userSnapshot(user, scope, []), changed: [] });
  try {
    await em.flush();
  } catch (error) {
    conflict(error);
  }
  return user;
}

/**
 * Runs `change` on the locked row (SELECT … FOR UPDATE) and commits it with its `dsync.user.updated` event:
 * concurrent writers to one user serialise in the database, whichever process they run in. `change`
 * returns the new raw resource; a change that changes nothing records no event and keeps the version.
 */
export async function updateUser(
  em: EntityManager,
  scope: EventScope,
  id: string,
  change: (user: DirectoryUser) => Record<string, unknown>,
): Promise<DirectoryUser> {
  try {
    return await em.transactional(async (tx) => {
      const user = await lockUser(tx, scope.directoryId, id);
      const groups = await groupsOfUser(tx, user.id);
      const before = userSnapshot(user, scope, groups);
      const raw = change(user);
      // Equal content in another key order is no change (the ORM would see a new JSON value and bump the version).
      if (!isDeepStrictEqual(raw, user.raw)) applyNormalized(user, raw);
      await tx.flush();
      const after = userSnapshot(user, scope, groups);
      const changed = userChanges(before, after);
      if (changed.length > 0) recordEvent(tx, scope, 'dsync.user.updated', { before, after, changed });
      return user;
    });
  } catch (error) {
    return conflict(error);
  }
}

/**
 * Deletes a user: one `dsync.group.user_removed` per group it was in (those groups' versions go up), then
 * `dsync.user.deleted`, all in one transaction.
 */
export async function deleteUser(em: EntityManager, scope: EventScope, id: string): Promise<void> {
  await em.transactional(async (tx) => {
    // Lock order groups → user, as group writes take it (group row, then the user's key through the member
    // insert); the other order could deadlock with a concurrent "add this user to a group".
    const known = isUuid(id) ? await groupsOfUser(tx, id) : [];
    if (known.length > 0) {
      await tx.execute(
        `select id from directory_groups where directory_id = ? and id in (${known.map(() => '?').join(',')}) order by id for update`,
        [scope.directoryId, ...known.map((g) => g.id)],
      );
    }
    const user = await lockUser(tx, scope.directoryId, id);
    const groupRefs = await groupsOfUser(tx, user.id);
    const before = userSnapshot(user, scope, groupRefs);
    // The memberships actually removed (not a possibly stale read) are the source of the removal events.
    const removed = new Set(
      (
        await tx.execute<{ group_id: string }[]>('delete from group_members where user_id = ? returning group_id', [
          user.id,
        ])
      ).map((row) => row.group_id),
    );
    const removedRefs = groupRefs.filter((ref) => removed.has(ref.id));
    if (removedRefs.length > 0) {
      const groupIds = removedRefs.map((group) => group.id);
      await tx.execute(
        `update directory_groups set version = version + 1, updated_at = now() where id in (${groupIds.map(() => '?').join(',')})`,
        groupIds,
        'run',
      );
      const groups = new Map(
        (await tx.find(DirectoryGroup, { id: { $in: groupIds } }, { refresh: true })).map((g) => [g.id, g]),
      );
      let remaining = removedRefs;
      for (const ref of removedRefs) {
        const group = groups.get(ref.id);
        if (!group) continue;
        remaining = remaining.filter((other) => other.id !== ref.id);
        recordEvent(tx, scope, 'dsync.group.user_removed', {
          user: userSnapshot(user, scope, remaining),
          group: groupSnapshot(group, scope),
        });
      }
    }
    recordEvent(tx, scope, 'dsync.user.deleted', {
      before: { ...before, groups: removedRefs },
      after: null,
      changed: [],
    });
    await tx.flush();
    await tx.nativeDelete(DirectoryUser, { id: user.id });
  });
}

/** One page of a directory's users plus the total, both computed by the database. */
export function listUsers(
  em: EntityManager,
  directoryId: string,
  query: ListQuery,
): Promise<ListResult<DirectoryUser>> {
  return listInDirectory(em, DirectoryUser, userFilterSchema, directoryId, query);
}

export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
}

/** The groups of each user, in one query. */
export async function groupsOfUsers(em: EntityManager, userIds: readonly string[]): Promise<Map<string, GroupRef[]>> {
  const byUser = new Map<string, GroupRef[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return byUser;
  const rows = await em.execute<{ user_id: string; id: string; display_name: string }[]>(
    `select gm.user_id, g.id, g.display_name from group_members gm join directory_groups g on g.id = gm.group_id
      where gm.user_id in (${userIds.map(() => '?').join(',')}) order by g.display_name_lower, g.id`,
    [...userIds],
  );
  for (const row of rows) byUser.get(row.user_id)?.push({ id: row.id, displayName: row.display_name });
  return byUser;
}

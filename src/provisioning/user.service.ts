import { isDeepStrictEqual } from 'node:util';

import { foundOrThrow } from '../db/find.js';
import { isUniqueViolation, type Database, type Sql } from '../db/sql.js';
import { changedFields, changedPaths } from '../events/changes.js';
import type { EventScope, UserSnapshot } from '../events/event-types.js';
import { insertEvents, type NewEvent } from '../events/record-event.js';
import { ConflictError } from '../lib/errors.js';
import { isUuid, newId } from '../lib/ids.js';
import { checkVersion, type ExpectedVersions } from './expected-version.js';
import { column, resourceTypeColumn, type FilterSchema } from './filter-sql.js';
import type { ListQuery } from './filter.js';
import { bumpGroups, lockGroups } from './group.sql.js';
import { LIST_ALIAS, listInDirectory, type ListResult } from './list.js';
import { groupIdsOfUser, removeUserFromGroups } from './membership.sql.js';
import { normalizeUser } from './normalize.js';
import { groupSnapshot, USER_FIELDS, userSnapshot } from './snapshots.js';
import {
  deleteUserRow,
  findUser,
  findUserRow,
  groupsColumn,
  insertUserWithEvents,
  lockUser,
  updateUserRow,
  updateUserRowWithEvent,
  userColumns,
  type UserRow,
  type UserWithGroups,
} from './user.sql.js';

export type { GroupRef, UserRow, UserWithGroups } from './user.sql.js';

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
    'meta.resourcetype': resourceTypeColumn('User'),
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

function conflict(error: unknown): never {
  if (isUniqueViolation(error)) throw new ConflictError('a user with this userName already exists in the directory');
  throw error;
}

/** A user of the directory with its groups; a NotFoundError when there is none. */
export async function findUserOrFail(sql: Sql, directoryId: string, id: string): Promise<UserWithGroups> {
  return foundOrThrow('User', id, () => findUser(sql, directoryId, id));
}

/** A user of the directory without its groups (when they are projected away); a NotFoundError when there is none. */
export async function findUserRowOrFail(sql: Sql, directoryId: string, id: string): Promise<UserRow> {
  return foundOrThrow('User', id, () => findUserRow(sql, directoryId, id));
}

/**
 * The user, locked for this transaction: NotFoundError when there is none, PreconditionFailedError when its
 * version is not `expected`.
 */
async function lockUserOrFail(
  tx: Sql,
  directoryId: string,
  id: string,
  expected: ExpectedVersions,
): Promise<UserWithGroups> {
  return checkVersion('User', await foundOrThrow('User', id, () => lockUser(tx, directoryId, id)), expected);
}

/** What changed between two snapshots: normalized fields, then every changed SCIM attribute path. */
export function userChanges(before: UserSnapshot, after: UserSnapshot): string[] {
  return [...new Set([...changedFields(before, after, USER_FIELDS), ...changedPaths(before.raw, after.raw)])];
}

/** Creates a user and its `dsync.user.created` event in one transaction; a taken userName is a ConflictError. */
export async function createUser(
  db: Database,
  scope: EventScope,
  raw: Record<string, unknown>,
): Promise<UserWithGroups> {
  const normalized = normalizeUser(raw);
  const id = newId();
  const after = userSnapshot({ id, ...normalized, raw, version: 1 }, scope, []);
  try {
    const user = await insertUserWithEvents(db, id, scope.directoryId, normalized, raw, scope, [
      { type: 'dsync.user.created', data: { before: null, after, changed: [] } },
    ]);
    return { ...user, groups: [] };
  } catch (error) {
    return conflict(error);
  }
}

/**
 * Runs `change` on the locked row (SELECT … FOR UPDATE) and commits it with its `dsync.user.updated` event:
 * concurrent writers to one user serialise in the database, whichever process they run in. `change`
 * returns the new raw resource; a change that changes nothing records no event and keeps the version.
 * With `expected` versions, a user at another version is a PreconditionFailedError and nothing is written.
 */
export async function updateUser(
  db: Database,
  scope: EventScope,
  id: string,
  change: (user: UserRow) => Record<string, unknown>,
  expected?: ExpectedVersions,
): Promise<UserWithGroups> {
  try {
    return await db.transaction(async (tx) => {
      const user = await lockUserOrFail(tx, scope.directoryId, id, expected);
      const raw = change(user);
      // Equal content in another key order is no change.
      if (isDeepStrictEqual(raw, user.raw)) return user;
      const normalized = normalizeUser(raw);
      // Groups are the same before and after (and never in `changed`): the update fills them in as it reads
      // them, after any membership change the lock waited for.
      const before = userSnapshot(user, scope, []);
      const after = userSnapshot({ ...user, ...normalized, raw, version: user.version + 1 }, scope, []);
      const changed = userChanges(before, after);
      if (changed.length === 0) return updateUserRow(tx, user.id, normalized, raw);
      return updateUserRowWithEvent(tx, user.id, normalized, raw, scope, {
        type: 'dsync.user.updated',
        data: { before, after, changed },
      });
    });
  } catch (error) {
    return conflict(error);
  }
}

/**
 * Deletes a user: one `dsync.group.user_removed` per group it was in (those groups' versions go up), then
 * `dsync.user.deleted`, all in one transaction. With `expected` versions, a user at another version is a
 * PreconditionFailedError and nothing is deleted.
 */
export async function deleteUser(
  db: Database,
  scope: EventScope,
  id: string,
  expected?: ExpectedVersions,
): Promise<void> {
  await db.transaction(async (tx) => {
    // Lock order groups → user, as group writes take it (group row, then the user's key through the member
    // insert); the other order could deadlock with a concurrent "add this user to a group".
    const known = isUuid(id) ? await groupIdsOfUser(tx, id) : [];
    if (known.length > 0) await lockGroups(tx, scope.directoryId, known);
    const user = await lockUserOrFail(tx, scope.directoryId, id, expected);
    // The memberships actually removed (not a read from before the lock waited) are the source of the
    // removal events; the bumped groups come back ordered by display name.
    const removed = await removeUserFromGroups(tx, user.id);
    const groups = removed.length > 0 ? await bumpGroups(tx, removed) : [];
    const removedRefs = groups.map((group) => ({ id: group.id, displayName: group.displayName }));
    const events: NewEvent[] = [];
    let remaining = removedRefs;
    for (const group of groups) {
      remaining = remaining.filter((other) => other.id !== group.id);
      events.push({
        type: 'dsync.group.user_removed',
        data: { user: userSnapshot(user, scope, remaining), group: groupSnapshot(group, scope) },
      });
    }
    const before = userSnapshot(user, scope, removedRefs);
    events.push({
      type: 'dsync.user.deleted',
      data: { before, after: null, changed: [] },
    });
    await insertEvents(tx, scope, events);
    await deleteUserRow(tx, user.id);
  });
}

const USER_LIST = { table: 'directory_users', columns: userColumns(LIST_ALIAS), schema: userFilterSchema };
const USER_LIST_WITH_GROUPS = { ...USER_LIST, columns: `${USER_LIST.columns}, ${groupsColumn(LIST_ALIAS)}` };

/** One page of a directory's users (each with its groups when `withGroups`) plus the total, both computed by the database. */
export function listUsers(
  sql: Sql,
  directoryId: string,
  query: ListQuery,
  withGroups: boolean,
): Promise<ListResult<UserRow | UserWithGroups>> {
  return listInDirectory(sql, withGroups ? USER_LIST_WITH_GROUPS : USER_LIST, directoryId, query);
}

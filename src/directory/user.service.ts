import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../lib/ids.js';
import { Directory } from './directory.entity.js';
import { ConflictError, NotFoundError } from './errors.js';
import { column, type FilterSchema } from './filter-sql.js';
import type { ListQuery } from './filter.js';
import { listInDirectory, type ListResult } from './list.js';
import { normalizeUser } from './normalize.js';
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

/** Creates a user; a userName taken in the directory (case-insensitively) is a ConflictError. */
export async function createUser(em: EntityManager, directoryId: string, raw: Record<string, unknown>): Promise<DirectoryUser> {
  const user = em.create(DirectoryUser, { directory: em.getReference(Directory, directoryId), ...normalizeUser(raw), raw });
  try {
    await em.flush();
  } catch (error) {
    conflict(error);
  }
  return user;
}

/**
 * Runs `change` on the locked row (SELECT … FOR UPDATE) and commits: concurrent writers to one user
 * serialise in the database, whichever process they run in. `change` returns the new raw resource.
 */
export async function updateUser(
  em: EntityManager,
  directoryId: string,
  id: string,
  change: (user: DirectoryUser) => Record<string, unknown>,
): Promise<DirectoryUser> {
  try {
    return await em.transactional(async (tx) => {
      const user = isUuid(id)
        ? await tx.findOne(DirectoryUser, { id, directory: directoryId }, { lockMode: LockMode.PESSIMISTIC_WRITE })
        : null;
      if (!user) throw new NotFoundError('User', id);
      applyNormalized(user, change(user));
      return user;
    });
  } catch (error) {
    return conflict(error);
  }
}

/** Deletes a user and (by cascade) its memberships. */
export async function deleteUser(em: EntityManager, directoryId: string, id: string): Promise<void> {
  const deleted = isUuid(id) ? await em.nativeDelete(DirectoryUser, { id, directory: directoryId }) : 0;
  if (deleted === 0) throw new NotFoundError('User', id);
}

/** One page of a directory's users plus the total, both computed by the database. */
export function listUsers(em: EntityManager, directoryId: string, query: ListQuery): Promise<ListResult<DirectoryUser>> {
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

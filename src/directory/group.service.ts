import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../lib/ids.js';
import { Directory } from './directory.entity.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import { column, type FilterSchema } from './filter-sql.js';
import type { ListQuery } from './filter.js';
import { DirectoryGroup } from './group.entity.js';
import { listInDirectory, type ListResult } from './list.js';
import { normalizeGroup } from './normalize.js';

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

/** Adds members that are users of the same directory; any other id is an InvalidInputError naming it. */
async function addMembers(em: EntityManager, directoryId: string, groupId: string, userIds: readonly string[]): Promise<number> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return 0;
  const malformed = ids.filter((id) => !isUuid(id));
  const known = malformed.length
    ? []
    : await em.execute<{ id: string }[]>(`select id from directory_users where directory_id = ? and id in (${placeholders(ids)})`, [directoryId, ...ids]);
  const unknown = ids.filter((id) => !known.some((row) => row.id === id));
  if (unknown.length > 0) throw new InvalidInputError(`members not found in this directory: ${unknown.join(', ')}`, 'members');
  const result = await em.execute<{ affectedRows?: number }>(
    `insert into group_members (group_id, user_id, created_at) select ?, id, now() from unnest(array[${placeholders(ids)}]::uuid[]) as id
      on conflict do nothing`,
    [groupId, ...ids],
    'run',
  );
  return result.affectedRows ?? 0;
}

async function removeMembers(em: EntityManager, groupId: string, userIds: readonly string[] | 'all'): Promise<number> {
  if (userIds === 'all') {
    const result = await em.execute<{ affectedRows?: number }>('delete from group_members where group_id = ?', [groupId], 'run');
    return result.affectedRows ?? 0;
  }
  const ids = userIds.filter(isUuid);
  if (ids.length === 0) return 0;
  const result = await em.execute<{ affectedRows?: number }>(
    `delete from group_members where group_id = ? and user_id in (${placeholders(ids)})`,
    [groupId, ...ids],
    'run',
  );
  return result.affectedRows ?? 0;
}

async function applyMemberChanges(em: EntityManager, directoryId: string, groupId: string, changes: readonly MemberChange[]): Promise<number> {
  let affected = 0;
  for (const change of changes) {
    if (change.op === 'add') affected += await addMembers(em, directoryId, groupId, change.userIds);
    else if (change.op === 'remove') affected += await removeMembers(em, groupId, change.userIds);
    else {
      affected += await removeMembers(em, groupId, 'all');
      if (change.op === 'replace') affected += await addMembers(em, directoryId, groupId, change.userIds);
    }
  }
  return affected;
}

export async function findGroupOrFail(em: EntityManager, directoryId: string, id: string): Promise<DirectoryGroup> {
  const group = isUuid(id) ? await em.findOne(DirectoryGroup, { id, directory: directoryId }) : null;
  if (!group) throw new NotFoundError('Group', id);
  return group;
}

/** Creates a group with its initial members (Okta sends them in the POST body) in one transaction. */
export async function createGroup(
  em: EntityManager,
  directoryId: string,
  raw: Record<string, unknown>,
  memberIds: readonly string[],
): Promise<DirectoryGroup> {
  return em.transactional(async (tx) => {
    const group = tx.create(DirectoryGroup, { directory: tx.getReference(Directory, directoryId), ...normalizeGroup(raw), raw });
    await tx.flush();
    await addMembers(tx, directoryId, group.id, memberIds);
    return group;
  });
}

/**
 * Changes a group in one transaction. Attribute changes lock the row (SELECT … FOR UPDATE); member changes
 * are set operations in SQL, so concurrent PATCHes of one group's members never lose a member.
 */
export async function updateGroup(em: EntityManager, directoryId: string, id: string, change: GroupChange): Promise<DirectoryGroup> {
  return em.transactional(async (tx) => {
    const group = isUuid(id)
      ? await tx.findOne(DirectoryGroup, { id, directory: directoryId }, { lockMode: LockMode.PESSIMISTIC_WRITE })
      : null;
    if (!group) throw new NotFoundError('Group', id);
    if (change.raw) {
      const raw = change.raw(group);
      Object.assign(group, normalizeGroup(raw), { raw });
    }
    const affected = await applyMemberChanges(tx, directoryId, group.id, change.members);
    await tx.flush();
    if (affected > 0) {
      // Membership is part of the group's state: bump its version and lastModified.
      await tx.execute('update directory_groups set version = version + 1, updated_at = now() where id = ?', [group.id], 'run');
      await tx.refresh(group);
    }
    return group;
  });
}

export async function deleteGroup(em: EntityManager, directoryId: string, id: string): Promise<void> {
  const deleted = isUuid(id) ? await em.nativeDelete(DirectoryGroup, { id, directory: directoryId }) : 0;
  if (deleted === 0) throw new NotFoundError('Group', id);
}

export function listGroups(em: EntityManager, directoryId: string, query: ListQuery): Promise<ListResult<DirectoryGroup>> {
  return listInDirectory(em, DirectoryGroup, groupFilterSchema, directoryId, query);
}

/** The members of each group, in one query. */
export async function membersOfGroups(em: EntityManager, groupIds: readonly string[]): Promise<Map<string, MemberRef[]>> {
  const byGroup = new Map<string, MemberRef[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return byGroup;
  const rows = await em.execute<{ group_id: string; id: string; user_name: string; display_name: string | null }[]>(
    `select gm.group_id, u.id, u.user_name, u.display_name from group_members gm join directory_users u on u.id = gm.user_id
      where gm.group_id in (${placeholders(groupIds)}) order by u.id`,
    [...groupIds],
  );
  for (const row of rows) byGroup.get(row.group_id)?.push({ id: row.id, userName: row.user_name, displayName: row.display_name });
  return byGroup;
}

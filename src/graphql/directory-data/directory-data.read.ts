import type { EntityManager, FilterQuery } from '@mikro-orm/core';

import { findOneOrThrow } from '../../db/find.js';
import { paginate, type Page, type PageArgs } from '../../db/pagination.js';
import { DirectoryGroup } from '../../provisioning/group.entity.js';
import { DirectoryUser, type UserState } from '../../provisioning/user.entity.js';
import { findDirectoryOrFail } from '../../tenancy/directory.service.js';

/** What the admin API reads of provisioned users and groups, scoped to the caller's environment. */

export interface UserListFilter {
  readonly state?: UserState | null | undefined;
  readonly email?: string | null | undefined;
  readonly userName?: string | null | undefined;
  /** Case-insensitive substring of userName, email or displayName. */
  readonly search?: string | null | undefined;
}

export interface GroupListFilter {
  readonly displayName?: string | null | undefined;
  readonly search?: string | null | undefined;
}

function contains(text: string): { $ilike: string } {
  return { $ilike: `%${text.trim().replace(/[\\%_]/g, (char) => `\\${char}`)}%` };
}

export async function listDirectoryUsers(
  em: EntityManager,
  environmentId: string,
  directoryId: string,
  filter: UserListFilter,
  page: PageArgs,
): Promise<Page<DirectoryUser>> {
  await findDirectoryOrFail(em, environmentId, directoryId);
  const where: FilterQuery<DirectoryUser> = { directory: directoryId };
  if (filter.state) where.state = filter.state;
  if (filter.email) where.email = filter.email.trim().toLowerCase();
  if (filter.userName) where.userNameLower = filter.userName.trim().toLowerCase();
  if (filter.search)
    where.$or = [
      { userNameLower: contains(filter.search) },
      { email: contains(filter.search) },
      { displayName: contains(filter.search) },
    ];
  return paginate(em, DirectoryUser, where, page);
}

export async function listDirectoryGroups(
  em: EntityManager,
  environmentId: string,
  directoryId: string,
  filter: GroupListFilter,
  page: PageArgs,
): Promise<Page<DirectoryGroup>> {
  await findDirectoryOrFail(em, environmentId, directoryId);
  const where: FilterQuery<DirectoryGroup> = { directory: directoryId };
  if (filter.displayName) where.displayNameLower = filter.displayName.trim().toLowerCase();
  if (filter.search) where.displayNameLower = contains(filter.search.toLowerCase());
  return paginate(em, DirectoryGroup, where, page);
}

export async function findDirectoryUserOrFail(
  em: EntityManager,
  environmentId: string,
  id: string,
): Promise<DirectoryUser> {
  return findOneOrThrow(
    em,
    DirectoryUser,
    { id, directory: { organization: { environment: environmentId } } },
    'DirectoryUser',
    id,
    { populate: ['directory'] },
  );
}

export async function findDirectoryGroupOrFail(
  em: EntityManager,
  environmentId: string,
  id: string,
): Promise<DirectoryGroup> {
  return findOneOrThrow(
    em,
    DirectoryGroup,
    { id, directory: { organization: { environment: environmentId } } },
    'DirectoryGroup',
    id,
    { populate: ['directory'] },
  );
}

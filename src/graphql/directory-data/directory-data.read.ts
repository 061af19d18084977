import type { EntityManager } from '@mikro-orm/core';

import { foundOrThrow } from '../../db/find.js';
import { checkCursor, keysetPage, pageSize, type Page, type PageArgs } from '../../db/pagination.js';
import { escapeLike, type Sql } from '../../db/sql.js';
import { findGroupInEnvironment, groupPage, type GroupRow } from '../../provisioning/group.sql.js';
import type { UserState } from '../../provisioning/user.entity.js';
import { findUserInEnvironment, userPage, type UserRow } from '../../provisioning/user.sql.js';
import { findDirectoryOrFail } from '../../tenancy/directory.service.js';
import type { Scope } from '../../tenancy/types.js';

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

function contains(text: string): string {
  return `%${escapeLike(text.trim())}%`;
}

export async function listDirectoryUsers(
  em: EntityManager,
  sql: Sql,
  scope: Scope,
  directoryId: string,
  filter: UserListFilter,
  page: PageArgs,
): Promise<Page<UserRow>> {
  await findDirectoryOrFail(em, scope, directoryId);
  const first = pageSize(page.first);
  const after = page.after ? checkCursor(page.after) : null;
  const { rows, total } = await userPage(
    sql,
    directoryId,
    {
      state: filter.state || null,
      email: filter.email ? filter.email.trim().toLowerCase() : null,
      userNameLower: filter.userName ? filter.userName.trim().toLowerCase() : null,
      search: filter.search ? contains(filter.search) : null,
    },
    after,
    first + 1,
  );
  return keysetPage(rows, first, after, total);
}

export async function listDirectoryGroups(
  em: EntityManager,
  sql: Sql,
  scope: Scope,
  directoryId: string,
  filter: GroupListFilter,
  page: PageArgs,
): Promise<Page<GroupRow>> {
  await findDirectoryOrFail(em, scope, directoryId);
  const first = pageSize(page.first);
  const after = page.after ? checkCursor(page.after) : null;
  const { rows, total } = await groupPage(
    sql,
    directoryId,
    // A search replaces an exact displayName.
    filter.search
      ? { displayNameLower: null, search: contains(filter.search.toLowerCase()) }
      : { displayNameLower: filter.displayName ? filter.displayName.trim().toLowerCase() : null, search: null },
    after,
    first + 1,
  );
  return keysetPage(rows, first, after, total);
}

export async function findDirectoryUserOrFail(sql: Sql, scope: Scope, id: string): Promise<UserRow> {
  return foundOrThrow('DirectoryUser', id, () =>
    findUserInEnvironment(sql, scope.environmentId, scope.organizationId ?? null, id),
  );
}

export async function findDirectoryGroupOrFail(sql: Sql, scope: Scope, id: string): Promise<GroupRow> {
  return foundOrThrow('DirectoryGroup', id, () =>
    findGroupInEnvironment(sql, scope.environmentId, scope.organizationId ?? null, id),
  );
}

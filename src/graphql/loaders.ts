import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';

import type { Page, PageArgs } from '../db/pagination.js';
import type { Sql } from '../db/sql.js';
import type { GroupRow } from '../provisioning/group.sql.js';
import type { UserRow } from '../provisioning/user.sql.js';
import type { Directory } from '../tenancy/directory.entity.js';
import { findDirectoriesOfOrganizations } from '../tenancy/directory.service.js';
import type { Organization } from '../tenancy/organization.entity.js';
import { findOrganizationsByIds } from '../tenancy/organization.service.js';
import type { Scope } from '../tenancy/types.js';
import { healthOfDirectoryNodes } from './directories/health.read.js';
import type { DirectoryHealthNode } from './directories/health.type.js';
import { groupPagesOfUsers, memberPagesOfGroups } from './directory-data/related-pages.js';

/** A parent and the page of its related items that a nested connection asks for. */
export interface RelatedKey {
  readonly id: string;
  readonly first?: number | null | undefined;
  readonly after?: string | null | undefined;
}

type PagesOf<T> = (sql: Sql, ids: readonly string[], args: PageArgs) => Promise<Map<string, Page<T>>>;

/** Batches nested connections: one query per distinct (first, after) among the parents of a response. */
function relatedLoader<T>(sql: Sql, pagesOf: PagesOf<T>): DataLoader<RelatedKey, Page<T>, string> {
  return new DataLoader(
    async (keys) => {
      const byArgs = new Map<string, RelatedKey[]>();
      for (const key of keys) {
        const args = JSON.stringify([key.first ?? null, key.after ?? null]);
        byArgs.set(args, [...(byArgs.get(args) ?? []), key]);
      }
      const pages = new Map<string, Page<T>>();
      for (const [args, group] of byArgs) {
        const result = await pagesOf(
          sql,
          group.map((k) => k.id),
          { first: group[0]?.first, after: group[0]?.after },
        );
        for (const [id, page] of result) pages.set(`${id}|${args}`, page);
      }
      return keys.map(
        (key) =>
          pages.get(`${key.id}|${JSON.stringify([key.first ?? null, key.after ?? null])}`) ??
          new Error(`no page for ${key.id}`),
      );
    },
    { cacheKeyFn: (key) => JSON.stringify([key.id, key.first ?? null, key.after ?? null]) },
  );
}

/** Per-request batch loaders, so nested fields cost one query per level, not one per parent. */
export interface Loaders {
  readonly organization: DataLoader<string, Organization | null>;
  readonly directoriesOfOrganization: DataLoader<string, Directory[]>;
  readonly groupsOfUser: DataLoader<RelatedKey, Page<GroupRow>, string>;
  readonly membersOfGroup: DataLoader<RelatedKey, Page<UserRow>, string>;
  /** By directory id (of a directory already found in the environment). */
  readonly directoryHealth: DataLoader<string, DirectoryHealthNode>;
}

/** `scope`: what the viewer may see (read when a loader first loads). */
export function createLoaders(em: EntityManager, sql: Sql, scope: () => Scope): Loaders {
  return {
    organization: new DataLoader(async (ids) => {
      const found = new Map((await findOrganizationsByIds(em, scope(), ids)).map((org) => [org.id, org]));
      return ids.map((id) => found.get(id) ?? null);
    }),
    directoriesOfOrganization: new DataLoader(async (organizationIds) => {
      const byOrganization = new Map<string, Directory[]>(organizationIds.map((id) => [id, []]));
      for (const directory of await findDirectoriesOfOrganizations(em, organizationIds)) {
        byOrganization.get(directory.organization.id)?.push(directory);
      }
      return organizationIds.map((id) => byOrganization.get(id) ?? []);
    }),
    groupsOfUser: relatedLoader(sql, groupPagesOfUsers),
    membersOfGroup: relatedLoader(sql, memberPagesOfGroups),
    directoryHealth: new DataLoader((ids) => healthOfDirectoryNodes(sql, ids)),
  };
}

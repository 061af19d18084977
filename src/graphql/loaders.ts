import type { EntityManager } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import type { Directory } from '../directory/directory.entity.js';
import { findDirectoriesOfOrganizations } from '../directory/directory.service.js';
import type { Organization } from '../directory/organization.entity.js';
import { findOrganizationsByIds } from '../directory/organization.service.js';

/** Per-request batch loaders, so nested fields cost one query per level, not one per parent. */
export interface Loaders {
  readonly organization: DataLoader<string, Organization | null>;
  readonly directoriesOfOrganization: DataLoader<string, Directory[]>;
}

export function createLoaders(em: EntityManager, environmentId: string): Loaders {
  return {
    organization: new DataLoader(async (ids) => {
      const found = new Map((await findOrganizationsByIds(em, environmentId, ids)).map((org) => [org.id, org]));
      return ids.map((id) => found.get(id) ?? null);
    }),
    directoriesOfOrganization: new DataLoader(async (organizationIds) => {
      const byOrganization = new Map<string, Directory[]>(organizationIds.map((id) => [id, []]));
      for (const directory of await findDirectoriesOfOrganizations(em, organizationIds)) {
        byOrganization.get(directory.organization.id)?.push(directory);
      }
      return organizationIds.map((id) => byOrganization.get(id) ?? []);
    }),
  };
}

import { LockMode, UniqueConstraintViolationException, type EntityManager, type FilterQuery } from '@mikro-orm/core';

import { findOneOrThrow } from '../db/find.js';
import { paginate, type Page, type PageArgs } from '../db/pagination.js';
import { escapeLike } from '../db/sql.js';
import { recordEvent } from '../events/record-event.js';
import { ConflictError, InvalidInputError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import { normalizeName } from '../lib/names.js';
import { AdminSession } from './admin.entity.js';
import { directorySnapshot, eventScope } from './directory-snapshot.js';
import { Directory } from './directory.entity.js';
import { Organization } from './organization.entity.js';
import type { NewOrganization, OrganizationChanges, OrganizationFilter, Scope } from './types.js';

// RFC 1123 host name: labels of letters, digits and inner hyphens, at least one dot.
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Domains are compared case-insensitively, so they are stored lower-case. */
export function normalizeDomain(domain: string): string {
  const normalized = domain.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN.test(normalized))
    throw new InvalidInputError(`domain ${JSON.stringify(domain)} is not a valid domain name`, 'domain');
  return normalized;
}

async function flushUnique(em: EntityManager, domain: string | null): Promise<void> {
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      throw new ConflictError(
        `an organization with domain ${JSON.stringify(domain)} already exists in this environment`,
      );
    }
    throw error;
  }
}

/** What a scope may see of organizations: its environment's, or its one organization. */
function inScope(scope: Scope): { environment: string; id?: string } {
  return { environment: scope.environmentId, ...(scope.organizationId ? { id: scope.organizationId } : {}) };
}

export async function findOrganizationOrFail(em: EntityManager, scope: Scope, id: string): Promise<Organization> {
  return findOneOrThrow(em, Organization, { $and: [{ id }, inScope(scope)] }, 'Organization', id);
}

export async function createOrganization(
  em: EntityManager,
  environmentId: string,
  input: NewOrganization,
): Promise<Organization> {
  const organization = em.create(Organization, {
    environment: environmentId,
    name: normalizeName(input.name),
    domain: input.domain ? normalizeDomain(input.domain) : null,
    metadata: input.metadata ?? {},
  });
  await flushUnique(em, organization.domain);
  return organization;
}

export async function updateOrganization(
  em: EntityManager,
  environmentId: string,
  id: string,
  changes: OrganizationChanges,
): Promise<Organization> {
  const organization = await findOrganizationOrFail(em, { environmentId }, id);
  if (changes.name !== undefined && changes.name !== null) organization.name = normalizeName(changes.name);
  if (changes.domain !== undefined) organization.domain = changes.domain ? normalizeDomain(changes.domain) : null;
  if (changes.metadata !== undefined && changes.metadata !== null) organization.metadata = changes.metadata;
  await flushUnique(em, organization.domain);
  return organization;
}

export interface DeletedOrganization {
  readonly organization: Organization;
  /** Sessions of its admins that were open: deleted with them, their sockets are to be closed. */
  readonly endedSessionIds: readonly string[];
}

/** Deletes the organization; its directories, admins and their sessions go with it (foreign keys cascade). */
export async function deleteOrganization(
  em: EntityManager,
  environmentId: string,
  id: string,
): Promise<DeletedOrganization> {
  return em.transactional(async (tx) => {
    const organization = await findOrganizationOrFail(tx, { environmentId }, id);
    // Its directories go with it: each records `dsync.deleted`, in the same transaction, once its row is
    // locked (a change that was writing it has committed, and its event comes first).
    const directories = await tx.find(
      Directory,
      { organization },
      { orderBy: { id: 'asc' }, lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true },
    );
    for (const directory of directories) {
      recordEvent(tx, eventScope(directory), 'dsync.deleted', {
        before: directorySnapshot(directory),
        after: null,
        changed: [],
      });
    }
    const sessions = await tx.find(AdminSession, { admin: { organization }, endedAt: null }, { fields: ['id'] });
    tx.remove(organization);
    await tx.flush();
    return { organization, endedSessionIds: sessions.map((session) => session.id) };
  });
}

export function listOrganizations(
  em: EntityManager,
  scope: Scope,
  filter: OrganizationFilter,
  page: PageArgs,
): Promise<Page<Organization>> {
  const where: FilterQuery<Organization> = inScope(scope);
  if (filter.name) where.name = { $ilike: `%${escapeLike(filter.name.trim())}%` };
  if (filter.domain) where.domain = filter.domain.trim().toLowerCase();
  return paginate(em, Organization, where, page);
}

export function findOrganizationsByIds(
  em: EntityManager,
  scope: Scope,
  ids: readonly string[],
): Promise<Organization[]> {
  return em.find(Organization, { $and: [{ id: { $in: ids.filter(isUuid) } }, inScope(scope)] });
}

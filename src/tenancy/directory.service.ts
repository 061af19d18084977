import { LockMode, type EntityManager } from '@mikro-orm/core';

import { findOneOrThrow } from '../db/find.js';
import { recordEvent } from '../events/record-event.js';
import { InvalidInputError } from '../lib/errors.js';
import { normalizeName } from '../lib/names.js';
import { issueSecret } from '../lib/secrets.js';
import { directorySnapshot, eventScope } from './directory-snapshot.js';
import { Directory, DirectoryState } from './directory.entity.js';
import { findOrganizationOrFail } from './organization.service.js';
import { SCIM_TOKEN_PREFIX } from './scim-auth.js';
import type { DirectoryChanges, NewDirectory, Scope } from './types.js';

export interface DirectoryWithToken {
  readonly directory: Directory;
  /** Plaintext bearer token, returned once. */
  readonly token: string;
}

export interface DirectoryUpdate {
  readonly directory: Directory;
  /** The new plaintext token when the update issued one, else `null`. */
  readonly token: string | null;
}

/** Replaces the directory's token; the old one stops working when this commits. Returns the plaintext. */
function assignNewToken(directory: Directory): string {
  const token = issueSecret(SCIM_TOKEN_PREFIX);
  directory.tokenHash = token.hash;
  directory.tokenPrefix = token.displayPrefix;
  return token.plaintext;
}

/** The directories a scope may see: of its environment, or of its one organization. */
function directoriesOf(scope: Scope) {
  return {
    organization: {
      environment: scope.environmentId,
      ...(scope.organizationId ? { id: scope.organizationId } : {}),
    },
  };
}

export async function findDirectoryOrFail(em: EntityManager, scope: Scope, id: string): Promise<Directory> {
  return findOneOrThrow(em, Directory, { id, ...directoriesOf(scope) }, 'Directory', id, {
    populate: ['organization'],
  });
}

export async function createDirectory(
  em: EntityManager,
  scope: Scope,
  input: NewDirectory,
): Promise<DirectoryWithToken> {
  const organization = await findOrganizationOrFail(em, scope, input.organizationId);
  const token = issueSecret(SCIM_TOKEN_PREFIX);
  const directory = em.create(Directory, {
    organization,
    name: normalizeName(input.name),
    provider: input.provider,
    tokenHash: token.hash,
    tokenPrefix: token.displayPrefix,
  });
  await em.flush();
  return { directory, token: token.plaintext };
}

/** A provider change issues a new token: the old IdP connection must stop working (docs/decisions.md). */
export async function updateDirectory(
  em: EntityManager,
  scope: Scope,
  id: string,
  changes: DirectoryChanges,
): Promise<DirectoryUpdate> {
  return em.transactional((tx) => updateLockedDirectory(tx, scope, id, changes));
}

/**
 * The directory, its row locked until the transaction `em` runs in ends (call inside one). Read and lock
 * before recording an event: events are published in the order they were written, so a change that waited
 * for the lock must write its event after the change it waited for.
 */
export function lockDirectoryOrFail(em: EntityManager, scope: Scope, id: string): Promise<Directory> {
  return findOneOrThrow(em, Directory, { id, ...directoriesOf(scope) }, 'Directory', id, {
    populate: ['organization'],
    lockMode: LockMode.PESSIMISTIC_WRITE,
    lockTableAliases: ['d0'],
    refresh: true,
  });
}

async function updateLockedDirectory(
  em: EntityManager,
  scope: Scope,
  id: string,
  changes: DirectoryChanges,
): Promise<DirectoryUpdate> {
  const directory = await lockDirectoryOrFail(em, scope, id);
  if (changes.name !== undefined && changes.name !== null) directory.name = normalizeName(changes.name);
  let token: string | null = null;
  if (changes.provider && changes.provider !== directory.provider) {
    directory.provider = changes.provider;
    token = assignNewToken(directory);
  }
  if (changes.state) switchDirectory(em, directory, changes.state);
  await em.flush();
  return { directory, token };
}

/**
 * Switches a directory's SCIM endpoint off (INACTIVE: every SCIM request is refused with 403, data stays) or
 * back on. Back on is ACTIVE when the IdP has called before, else PENDING again: ACTIVE is earned by the
 * first IdP request. Records `dsync.deactivated` / `dsync.activated` in the same transaction.
 */
function switchDirectory(em: EntityManager, directory: Directory, requested: DirectoryState): void {
  if (requested === DirectoryState.PENDING)
    throw new InvalidInputError('state can be set to ACTIVE or INACTIVE', 'state');
  const before = directorySnapshot(directory);
  if (requested === DirectoryState.INACTIVE) {
    if (directory.state === DirectoryState.INACTIVE) return;
    directory.state = DirectoryState.INACTIVE;
    recordEvent(em, eventScope(directory), 'dsync.deactivated', {
      before,
      after: directorySnapshot(directory),
      changed: ['state'],
    });
    return;
  }
  if (directory.state !== DirectoryState.INACTIVE) return;
  directory.state = directory.lastSyncAt ? DirectoryState.ACTIVE : DirectoryState.PENDING;
  if (directory.state === DirectoryState.ACTIVE) {
    recordEvent(em, eventScope(directory), 'dsync.activated', {
      before,
      after: directorySnapshot(directory),
      changed: ['state'],
    });
  }
}

export async function rotateDirectoryToken(em: EntityManager, scope: Scope, id: string): Promise<DirectoryWithToken> {
  const directory = await findDirectoryOrFail(em, scope, id);
  const token = assignNewToken(directory);
  await em.flush();
  return { directory, token };
}

/** Deletes a directory (its users and groups go with it) and records `dsync.deleted` in the same transaction. */
export async function deleteDirectory(em: EntityManager, scope: Scope, id: string): Promise<Directory> {
  return em.transactional(async (tx) => {
    const directory = await lockDirectoryOrFail(tx, scope, id);
    recordEvent(tx, eventScope(directory), 'dsync.deleted', {
      before: directorySnapshot(directory),
      after: null,
      changed: [],
    });
    tx.remove(directory);
    await tx.flush();
    return directory;
  });
}

/** All directories of the given organizations (one query; used by the GraphQL batch loader). */
export function findDirectoriesOfOrganizations(
  em: EntityManager,
  organizationIds: readonly string[],
): Promise<Directory[]> {
  return em.find(Directory, { organization: { $in: [...organizationIds] } }, { orderBy: { id: 'asc' } });
}

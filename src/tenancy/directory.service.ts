import type { EntityManager } from '@mikro-orm/core';

import { findOneOrThrow } from '../db/find.js';
import { recordEvent } from '../events/record-event.js';
import { InvalidInputError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import { normalizeName } from '../lib/names.js';
import { digestsEqual, hashSecret, issueSecret } from '../lib/secrets.js';
import { directorySnapshot, eventScope } from './directory-snapshot.js';
import { Directory, DirectoryState } from './directory.entity.js';
import { findOrganizationOrFail } from './organization.service.js';
import type { DirectoryChanges, NewDirectory } from './types.js';

/** SCIM bearer tokens look like `dst_<43 chars>` ("dsync SCIM token"). */
const TOKEN_PREFIX = 'dst_';

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
  const token = issueSecret(TOKEN_PREFIX);
  directory.tokenHash = token.hash;
  directory.tokenPrefix = token.displayPrefix;
  return token.plaintext;
}

export async function findDirectoryOrFail(em: EntityManager, environmentId: string, id: string): Promise<Directory> {
  return findOneOrThrow(em, Directory, { id, organization: { environment: environmentId } }, 'Directory', id, {
    populate: ['organization'],
  });
}

export async function createDirectory(
  em: EntityManager,
  environmentId: string,
  input: NewDirectory,
): Promise<DirectoryWithToken> {
  const organization = await findOrganizationOrFail(em, environmentId, input.organizationId);
  const token = issueSecret(TOKEN_PREFIX);
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
  environmentId: string,
  id: string,
  changes: DirectoryChanges,
): Promise<DirectoryUpdate> {
  const directory = await findDirectoryOrFail(em, environmentId, id);
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

export async function rotateDirectoryToken(
  em: EntityManager,
  environmentId: string,
  id: string,
): Promise<DirectoryWithToken> {
  const directory = await findDirectoryOrFail(em, environmentId, id);
  const token = assignNewToken(directory);
  await em.flush();
  return { directory, token };
}

/** Deletes a directory (its users and groups go with it) and records `dsync.deleted` in the same transaction. */
export async function deleteDirectory(em: EntityManager, environmentId: string, id: string): Promise<Directory> {
  const directory = await findDirectoryOrFail(em, environmentId, id);
  recordEvent(em, eventScope(directory), 'dsync.deleted', {
    before: directorySnapshot(directory),
    after: null,
    changed: [],
  });
  em.remove(directory);
  await em.flush();
  return directory;
}

/** All directories of the given organizations (one query; used by the GraphQL batch loader). */
export function findDirectoriesOfOrganizations(
  em: EntityManager,
  organizationIds: readonly string[],
): Promise<Directory[]> {
  return em.find(Directory, { organization: { $in: [...organizationIds] } }, { orderBy: { id: 'asc' } });
}

/** Where a SCIM request was sent: `/scim/v2/{directoryId}` or the alias `/org/{domain}/scim/v2`. */
export type ScimTarget = { readonly directoryId: string } | { readonly organizationDomain: string };

/**
 * The directory a SCIM request may act on: the one whose current token is `token` and which matches the
 * target (for the domain alias: the only directory of the organization with that domain). Unknown directory,
 * malformed id and wrong token all give `null`, so callers answer them alike.
 */
export async function authenticateDirectoryToken(
  em: EntityManager,
  target: ScimTarget,
  token: string,
): Promise<Directory | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  if ('directoryId' in target && !isUuid(target.directoryId)) return null;
  const hash = hashSecret(token);
  const directory = await em.findOne(Directory, { tokenHash: hash }, { populate: ['organization'] });
  if (!directory || !digestsEqual(directory.tokenHash, hash)) return null;
  if ('directoryId' in target) return directory.id === target.directoryId ? directory : null;
  if (directory.organization.domain !== target.organizationDomain.toLowerCase()) return null;
  const siblings = await em.count(Directory, { organization: directory.organization });
  return siblings === 1 ? directory : null;
}

/** `lastSyncAt` is refreshed at most this often, so SCIM traffic does not write on every request. */
const SYNC_GRANULARITY_MS = 60_000;

/**
 * Records IdP traffic: the first authenticated request activates a pending directory and records
 * `dsync.activated` in the same transaction (exactly once, however many first requests race).
 */
export async function markDirectorySynced(em: EntityManager, directory: Directory, now = new Date()): Promise<void> {
  if (directory.state === DirectoryState.PENDING) {
    await em.transactional(async (tx) => {
      const activated = await tx.nativeUpdate(
        Directory,
        { id: directory.id, state: DirectoryState.PENDING },
        { state: DirectoryState.ACTIVE, lastSyncAt: now },
      );
      if (activated === 0) return;
      const before = directorySnapshot(directory);
      recordEvent(tx, eventScope(directory), 'dsync.activated', {
        before,
        after: { ...before, state: DirectoryState.ACTIVE },
        changed: ['state'],
      });
    });
    return;
  }
  const stale = !directory.lastSyncAt || now.getTime() - directory.lastSyncAt.getTime() > SYNC_GRANULARITY_MS;
  if (stale) await em.nativeUpdate(Directory, { id: directory.id }, { lastSyncAt: now });
}

import type { EntityManager } from '@mikro-orm/core';

import type { DirectorySnapshot, EventScope } from '../events/event-types.js';
import type { ScimAuthChange } from '../events/notify.js';
import { recordEvent } from '../events/record-event.js';
import { isUuid } from '../lib/ids.js';
import { digestsEqual, hashSecret } from '../lib/secrets.js';
import { Directory, DirectoryState, type DirectoryProvider } from './directory.entity.js';

/** SCIM bearer tokens look like `dst_<43 chars>` ("dsync SCIM token"). */
export const SCIM_TOKEN_PREFIX = 'dst_';

/** Where a SCIM request was sent: `/scim/v2/{directoryId}` or the alias `/org/{domain}/scim/v2`. */
export type ScimTarget = { readonly directoryId: string } | { readonly organizationDomain: string };

/** What a SCIM request needs to know of its directory, as of the token's lookup. */
export interface ScimDirectory {
  readonly id: string;
  readonly name: string;
  readonly provider: DirectoryProvider;
  state: DirectoryState;
  lastSyncAt: Date | null;
  readonly organizationId: string;
  readonly environmentId: string;
  readonly organizationDomain: string | null;
  /** The organization has no other directory (the domain alias needs that). */
  readonly onlyDirectory: boolean;
  readonly tokenHash: string;
}

export interface ScimAuthOptions {
  /** How long a looked-up token is trusted without asking the database again (a backstop to the notifications). */
  readonly ttlMs?: number;
  /** Most tokens kept; the oldest go first. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * SCIM token authentication with a small cache keyed by the token's hash, so that the steady state costs no
 * database round trip. Every change that could make a cached answer wrong reaches {@link ScimAuth.forget}:
 * in every process through the LISTEN connection (database triggers announce token rotation, provider and
 * state changes, deletions, a directory added to an organization, a changed domain; a reconnect forgets
 * everything; while it is down nothing is cached), and in the process that made the change before its
 * response is sent. A lookup that was
 * running while anything was forgotten is not cached (its answer may predate the change).
 */
export interface ScimAuth {
  /** The directory `token` opens at `target`, or `null` (unknown, malformed, wrong target alike). */
  authenticate(fork: () => EntityManager, target: ScimTarget, token: string): Promise<ScimDirectory | null>;
  forget(change: ScimAuthChange): void;
  /** How many tokens are cached (tests and metrics). */
  readonly size: number;
}

export function createScimAuth({
  ttlMs = 60_000,
  maxEntries = 10_000,
  now = Date.now,
}: ScimAuthOptions = {}): ScimAuth {
  const cache = new Map<string, { directory: ScimDirectory; expiresAt: number }>();
  let generation = 0;
  // False while changes cannot be heard (the LISTEN connection is down): every token is looked up.
  let heard = true;

  async function lookUp(em: EntityManager, hash: string): Promise<ScimDirectory | null> {
    const found = await em.findOne(Directory, { tokenHash: hash }, { populate: ['organization'] });
    if (!found) return null;
    const siblings = found.organization.domain ? await em.count(Directory, { organization: found.organization }) : 0;
    return {
      id: found.id,
      name: found.name,
      provider: found.provider,
      state: found.state,
      lastSyncAt: found.lastSyncAt,
      organizationId: found.organization.id,
      environmentId: found.organization.environment.id,
      organizationDomain: found.organization.domain ?? null,
      onlyDirectory: siblings === 1,
      tokenHash: found.tokenHash,
    };
  }

  async function directoryOf(fork: () => EntityManager, hash: string): Promise<ScimDirectory | null> {
    const cached = cache.get(hash);
    if (cached && cached.expiresAt > now()) return cached.directory;
    cache.delete(hash);
    const started = generation;
    const directory = await lookUp(fork(), hash);
    if (directory && heard && started === generation) {
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
      cache.set(hash, { directory, expiresAt: now() + ttlMs });
    }
    return directory;
  }

  return {
    async authenticate(fork, target, token) {
      if (!token.startsWith(SCIM_TOKEN_PREFIX)) return null;
      if ('directoryId' in target && !isUuid(target.directoryId)) return null;
      const hash = hashSecret(token);
      const directory = await directoryOf(fork, hash);
      if (!directory || !digestsEqual(directory.tokenHash, hash)) return null;
      if ('directoryId' in target) return directory.id === target.directoryId ? directory : null;
      const matches = directory.organizationDomain === target.organizationDomain.toLowerCase();
      return matches && directory.onlyDirectory ? directory : null;
    },
    forget(change) {
      generation += 1;
      if (!('id' in change)) {
        if (change.kind !== 'everything') heard = change.kind === 'reconnected';
        cache.clear();
        return;
      }
      for (const [hash, { directory }] of cache) {
        const id = change.kind === 'directory' ? directory.id : directory.organizationId;
        if (id === change.id) cache.delete(hash);
      }
    },
    get size() {
      return cache.size;
    },
  };
}

/** The scope of a directory's events. */
export function scopeOf(directory: ScimDirectory): EventScope {
  return {
    environmentId: directory.environmentId,
    organizationId: directory.organizationId,
    directoryId: directory.id,
  };
}

function snapshotOf(directory: ScimDirectory): DirectorySnapshot {
  const { id, organizationId, name, provider, state } = directory;
  return { id, organizationId, name, provider, state };
}

/** `lastSyncAt` is refreshed at most this often, so SCIM traffic does not write on every request. */
const SYNC_GRANULARITY_MS = 60_000;

/**
 * Records IdP traffic: the first authenticated request activates a pending directory and records
 * `dsync.activated` in the same transaction (exactly once, however many first requests race).
 */
export async function markDirectorySynced(
  fork: () => EntityManager,
  directory: ScimDirectory,
  at = new Date(),
): Promise<void> {
  if (directory.state === DirectoryState.PENDING) {
    const activated = await fork().transactional(async (tx) => {
      const updated = await tx.nativeUpdate(
        Directory,
        { id: directory.id, state: DirectoryState.PENDING },
        { state: DirectoryState.ACTIVE, lastSyncAt: at },
      );
      if (updated === 0) return false;
      const before = snapshotOf(directory);
      recordEvent(tx, scopeOf(directory), 'dsync.activated', {
        before,
        after: { ...before, state: DirectoryState.ACTIVE },
        changed: ['state'],
      });
      return true;
    });
    if (activated) Object.assign(directory, { state: DirectoryState.ACTIVE, lastSyncAt: at });
    return;
  }
  const stale = !directory.lastSyncAt || at.getTime() - directory.lastSyncAt.getTime() > SYNC_GRANULARITY_MS;
  if (stale) {
    await fork().nativeUpdate(Directory, { id: directory.id }, { lastSyncAt: at });
    directory.lastSyncAt = at;
  }
}

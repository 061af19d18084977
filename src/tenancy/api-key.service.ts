import type { EntityManager } from '@mikro-orm/core';

import { findOneOrThrow } from '../db/find.js';
import { paginate, type Page, type PageArgs } from '../db/pagination.js';
import { NotFoundError } from '../lib/errors.js';
import { normalizeName } from '../lib/names.js';
import { digestsEqual, hashSecret, issueSecret } from '../lib/secrets.js';
import { ApiKey } from './api-key.entity.js';
import { Environment } from './environment.entity.js';
import type { ApiKeyViewer } from './types.js';

/** `lastUsedAt` is refreshed at most this often, so authentication stays one indexed read. */
const LAST_USED_GRANULARITY_MS = 60_000;

export interface ApiKeyWithSecret {
  readonly apiKey: ApiKey;
  /** Plaintext, returned once. */
  readonly secret: string;
}

/** Issues `dsk_<environment>_<random>`; only its SHA-256 is stored. Flushes. */
export async function createApiKey(em: EntityManager, environmentId: string, name: string): Promise<ApiKeyWithSecret> {
  const environment = await em.findOneOrFail(Environment, environmentId, {
    failHandler: () => new NotFoundError('Environment', environmentId),
  });
  const secret = issueSecret(`dsk_${environment.name}_`);
  const apiKey = em.create(ApiKey, {
    environment,
    name: normalizeName(name),
    prefix: secret.displayPrefix,
    secretHash: secret.hash,
  });
  await em.flush();
  return { apiKey, secret: secret.plaintext };
}

export async function findApiKeyOrFail(em: EntityManager, environmentId: string, id: string): Promise<ApiKey> {
  return findOneOrThrow(em, ApiKey, { id, environment: environmentId }, 'ApiKey', id);
}

/** Revocation takes effect on the next request: every request looks its key up. Idempotent. */
export async function revokeApiKey(em: EntityManager, environmentId: string, id: string): Promise<ApiKey> {
  const apiKey = await findApiKeyOrFail(em, environmentId, id);
  apiKey.revokedAt ??= new Date();
  await em.flush();
  return apiKey;
}

export function listApiKeys(em: EntityManager, environmentId: string, page: PageArgs): Promise<Page<ApiKey>> {
  return paginate(em, ApiKey, { environment: environmentId }, page);
}

/** Resolves a presented bearer secret to its viewer, or `null` for unknown or revoked keys. */
export async function authenticateApiKey(em: EntityManager, presented: string): Promise<ApiKeyViewer | null> {
  if (!presented.startsWith('dsk_')) return null;
  const hash = hashSecret(presented);
  const apiKey = await em.findOne(ApiKey, { secretHash: hash, revokedAt: null }, { populate: ['environment'] });
  if (!apiKey || !digestsEqual(apiKey.secretHash, hash)) return null;
  const now = new Date();
  if (!apiKey.lastUsedAt || now.getTime() - apiKey.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await em.nativeUpdate(ApiKey, { id: apiKey.id }, { lastUsedAt: now });
  }
  return {
    kind: 'apiKey',
    environmentId: apiKey.environment.id,
    environmentName: apiKey.environment.name,
    apiKeyId: apiKey.id,
    apiKeyName: apiKey.name,
  };
}

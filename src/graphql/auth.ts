import type { EntityManager } from '@mikro-orm/core';

import { parseBearer } from '../lib/secrets.js';
import { authenticateApiKey } from '../tenancy/api-key.service.js';
import type { Viewer } from '../tenancy/types.js';
import { unauthenticated } from './errors.js';

/** `Bearer <key>` (or the bare key, as some WebSocket clients send it) → viewer; UNAUTHENTICATED otherwise. */
export async function authenticate(em: EntityManager, authorization: unknown): Promise<Viewer> {
  const value = typeof authorization === 'string' ? authorization.trim() : '';
  const token = parseBearer(value) ?? (/^\S+$/.test(value) ? value : undefined);
  const viewer = token ? await authenticateApiKey(em, token) : null;
  if (!viewer) throw unauthenticated();
  return viewer;
}

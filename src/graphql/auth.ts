import type { EntityManager } from '@mikro-orm/postgresql';

import { UnauthenticatedError } from '../lib/errors.js';
import { parseBearer } from '../lib/secrets.js';
import { authenticateAdminSession, SESSION_TOKEN_PREFIX } from '../tenancy/admin.service.js';
import { authenticateApiKey } from '../tenancy/api-key.service.js';
import type { Viewer } from '../tenancy/types.js';
import { unauthenticated } from './errors.js';

/**
 * `Bearer <key>` (or the bare key, as some WebSocket clients send it) → viewer: an API key (`dsk_…`) or an admin
 * session (`dsa_…`). No credentials at all → the anonymous viewer (the policy lets it accept an invitation
 * only). Anything else is UNAUTHENTICATED, saying why for an admin session (expired, signed out, revoked).
 */
export async function authenticate(em: EntityManager, authorization: unknown, now: Date): Promise<Viewer> {
  const value = typeof authorization === 'string' ? authorization.trim() : '';
  if (value === '' && (authorization === undefined || authorization === null || authorization === '')) {
    return { kind: 'anonymous' };
  }
  const token = parseBearer(value) ?? (/^\S+$/.test(value) ? value : undefined);
  if (token?.startsWith(SESSION_TOKEN_PREFIX)) {
    try {
      return await authenticateAdminSession(em, token, now);
    } catch (error) {
      if (error instanceof UnauthenticatedError) throw unauthenticated(error.message);
      throw error;
    }
  }
  const viewer = token ? await authenticateApiKey(em, token) : null;
  if (!viewer) throw unauthenticated();
  return viewer;
}

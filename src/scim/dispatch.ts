import { assertSafeBody } from './body-guard.js';
import { handleBulk, type BulkContext } from './bulk.handler.js';
import { handleDiscovery } from './discovery.handler.js';
import { ScimError } from './errors.js';
import { handleGroups } from './groups.handler.js';
import type { ScimRequest, ScimResponse } from './request.js';
import { handleRootSearch } from './search.handler.js';
import { handleUsers } from './users.handler.js';

const DISCOVERY = new Set(['ServiceProviderConfig', 'ResourceTypes', 'Schemas']);
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** One Users or Groups request, its body guarded: the single endpoints and each Bulk operation come here. */
function dispatchResource(resource: 'Users' | 'Groups', req: ScimRequest): Promise<ScimResponse> {
  if (WITH_BODY.has(req.method)) assertSafeBody(req.body);
  return resource === 'Users' ? handleUsers(req) : handleGroups(req);
}

/** What one HTTP request may need beyond its `ScimRequest` (only Bulk uses it). */
export type DispatchContext = Omit<BulkContext, 'run'>;

/**
 * The function that hands a routed, authenticated request to the handler of its endpoint (`resource`: the
 * first path segment after the SCIM base).
 */
export function dispatcher(context: DispatchContext) {
  return async (resource: string | undefined, req: ScimRequest): Promise<ScimResponse> => {
    if (resource === 'Users' || resource === 'Groups') return dispatchResource(resource, req);
    if (resource && DISCOVERY.has(resource)) return handleDiscovery(resource, req, context.maxOperations);
    if (resource === '.search') return handleRootSearch(req);
    if (resource === 'Bulk') return handleBulk(req, { ...context, run: dispatchResource });
    throw new ScimError(404, `no SCIM endpoint ${JSON.stringify(`/${resource ?? ''}`)}`);
  };
}

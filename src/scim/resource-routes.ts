import { isObject } from '../lib/is-object.js';
import { ScimError } from './errors.js';
import type { ScimRequest, ScimResponse } from './request.js';
import { SEARCH_SEGMENT, searchParameters } from './search-request.js';

/** The operations of one resource endpoint (RFC 7644 §3.2–3.6). */
export interface ResourceRoutes {
  list(req: ScimRequest): Promise<ScimResponse>;
  create(req: ScimRequest): Promise<ScimResponse>;
  get(req: ScimRequest, id: string): Promise<ScimResponse>;
  replace(req: ScimRequest, id: string): Promise<ScimResponse>;
  patch(req: ScimRequest, id: string): Promise<ScimResponse>;
  remove(req: ScimRequest, id: string): Promise<void>;
}

/**
 * Maps method and id to the operation; anything else is 405. DELETE answers 204. `POST /{Resource}/.search`
 * is the list with its parameters in the body (ids are UUIDs, so `.search` names no resource).
 */
export async function routeResource(routes: ResourceRoutes, req: ScimRequest): Promise<ScimResponse> {
  const { id, method } = req;
  if (id === SEARCH_SEGMENT) {
    if (method !== 'POST') throw new ScimError(405, `${method} is not supported on .search; POST a SearchRequest`);
    return routes.list({ ...req, id: undefined, query: searchParameters(req.body) });
  }
  if (id === undefined && method === 'GET') return routes.list(req);
  if (id === undefined && method === 'POST') return routes.create(req);
  if (id !== undefined && method === 'GET') return routes.get(req, id);
  if (id !== undefined && method === 'PUT') return routes.replace(req, id);
  if (id !== undefined && method === 'PATCH') return routes.patch(req, id);
  if (id !== undefined && method === 'DELETE') {
    await routes.remove(req, id);
    return { status: 204 };
  }
  throw new ScimError(405, `${method} is not supported on this endpoint`);
}

/** `id` is readOnly (RFC 7643 §3.1): a PUT body may repeat it but not change it. */
export function assertSameId(body: unknown, id: string): void {
  if (isObject(body) && body['id'] !== undefined && body['id'] !== id) {
    throw new ScimError(400, 'id is immutable and must match the URL', 'mutability');
  }
}

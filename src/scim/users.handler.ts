import { createUser, deleteUser, findUserOrFail, groupsOfUsers, listUsers, updateUser } from '../directory/user.service.js';
import { ScimError } from './errors.js';
import { parseListParams } from './list-params.js';
import { parsePatchBody, applyToResource } from './patch.js';
import { includesAttribute, parseProjection, project } from './projection.js';
import { patchableUser, toScimUser, toUserRaw } from './resources.js';
import { LIST_RESPONSE_SCHEMA, type ScimRequest, type ScimResponse } from './request.js';
import { isObject } from '../lib/is-object.js';

async function one(req: ScimRequest, id: string, status = 200): Promise<ScimResponse> {
  const projection = parseProjection('User', req.query['attributes'], req.query['excludedAttributes']);
  const user = await findUserOrFail(req.em, req.directoryId, id);
  const groups = includesAttribute(projection, 'groups') ? (await groupsOfUsers(req.em, [user.id])).get(user.id) : undefined;
  const resource = toScimUser(user, groups, req.baseUrl);
  return { status, body: project(resource, projection), headers: { ETag: String((resource['meta'] as { version: string }).version) } };
}

/** GET /Users (RFC 7644 §3.4.2): filter, sort and count in SQL; groups of the page in one more query. */
async function list(req: ScimRequest): Promise<ScimResponse> {
  const { query, startIndex, projection } = parseListParams('User', req.query);
  const { items, total } = await listUsers(req.em, req.directoryId, query);
  if (query.limit === 0) return { status: 200, body: { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, itemsPerPage: 0, startIndex } };
  const groups = includesAttribute(projection, 'groups') ? await groupsOfUsers(req.em, items.map((u) => u.id)) : undefined;
  return {
    status: 200,
    body: {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: total,
      itemsPerPage: items.length,
      startIndex,
      Resources: items.map((user) => project(toScimUser(user, groups?.get(user.id) ?? (groups ? [] : undefined), req.baseUrl), projection)),
    },
  };
}

async function create(req: ScimRequest): Promise<ScimResponse> {
  const user = await createUser(req.em, req.directoryId, toUserRaw(req.body));
  const resource = toScimUser(user, [], req.baseUrl);
  return { status: 201, body: resource, headers: { Location: `${req.baseUrl}/Users/${user.id}` } };
}

/** PUT replaces every attribute the IdP owns (RFC 7644 §3.5.1); a different `id` in the body is a mutability error. */
async function replace(req: ScimRequest, id: string): Promise<ScimResponse> {
  if (isObject(req.body) && req.body['id'] !== undefined && req.body['id'] !== id) {
    throw new ScimError(400, 'id is immutable and must match the URL', 'mutability');
  }
  const raw = toUserRaw(req.body);
  await updateUser(req.em, req.directoryId, id, () => raw);
  return one(req, id);
}

async function patch(req: ScimRequest, id: string): Promise<ScimResponse> {
  const operations = parsePatchBody(req.body);
  await updateUser(req.em, req.directoryId, id, (user) => toUserRaw(applyToResource('User', patchableUser(user), operations, id)));
  return one(req, id);
}

export async function handleUsers(req: ScimRequest): Promise<ScimResponse> {
  const { id, method } = req;
  if (id === undefined) {
    if (method === 'GET') return list(req);
    if (method === 'POST') return create(req);
  } else {
    if (method === 'GET') return one(req, id);
    if (method === 'PUT') return replace(req, id);
    if (method === 'PATCH') return patch(req, id);
    if (method === 'DELETE') {
      await deleteUser(req.em, req.directoryId, id);
      return { status: 204 };
    }
  }
  throw new ScimError(405, `${method} is not supported on this endpoint`);
}

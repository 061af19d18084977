import { createGroup, deleteGroup, findGroupOrFail, listGroups, membersOfGroups, updateGroup, type MemberChange } from '../directory/group.service.js';
import { isObject } from '../lib/is-object.js';
import { ScimError } from './errors.js';
import { parseListParams } from './list-params.js';
import { applyToResource, parsePatchBody, splitGroupPatch } from './patch.js';
import { includesAttribute, parseProjection, project } from './projection.js';
import { toGroupInput, toScimGroup } from './resources.js';
import { LIST_RESPONSE_SCHEMA, type ScimRequest, type ScimResponse } from './request.js';

async function one(req: ScimRequest, id: string, status = 200): Promise<ScimResponse> {
  const projection = parseProjection('Group', req.query['attributes'], req.query['excludedAttributes']);
  const group = await findGroupOrFail(req.em, req.directoryId, id);
  // RFC 7643 §4.2: members are returned by default; `excludedAttributes=members` skips loading them.
  const members = includesAttribute(projection, 'members') ? (await membersOfGroups(req.em, [group.id])).get(group.id) : undefined;
  const resource = toScimGroup(group, members, req.baseUrl);
  return { status, body: project(resource, projection), headers: { ETag: String((resource['meta'] as { version: string }).version) } };
}

async function list(req: ScimRequest): Promise<ScimResponse> {
  const { query, startIndex, projection } = parseListParams('Group', req.query);
  const { items, total } = await listGroups(req.em, req.directoryId, query);
  if (query.limit === 0) return { status: 200, body: { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, itemsPerPage: 0, startIndex } };
  const members = includesAttribute(projection, 'members') ? await membersOfGroups(req.em, items.map((g) => g.id)) : undefined;
  return {
    status: 200,
    body: {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: total,
      itemsPerPage: items.length,
      startIndex,
      Resources: items.map((group) => project(toScimGroup(group, members?.get(group.id) ?? (members ? [] : undefined), req.baseUrl), projection)),
    },
  };
}

/** POST /Groups, members in the body included (Okta sends them there). */
async function create(req: ScimRequest): Promise<ScimResponse> {
  const input = toGroupInput(req.body);
  const group = await createGroup(req.em, req.directoryId, input.raw, input.memberIds ?? []);
  const response = await one(req, group.id, 201);
  return { ...response, headers: { ...response.headers, Location: `${req.baseUrl}/Groups/${group.id}` } };
}

/** PUT replaces attributes and the whole member list (no `members` = no members, RFC 7644 §3.5.1). */
async function replace(req: ScimRequest, id: string): Promise<ScimResponse> {
  if (isObject(req.body) && req.body['id'] !== undefined && req.body['id'] !== id) {
    throw new ScimError(400, 'id is immutable and must match the URL', 'mutability');
  }
  const input = toGroupInput(req.body);
  const members: MemberChange[] = input.memberIds ? [{ op: 'replace', userIds: input.memberIds }] : [{ op: 'removeAll' }];
  await updateGroup(req.em, req.directoryId, id, { raw: () => input.raw, members });
  return one(req, id);
}

/** PATCH answers 204: echoing a group with 100,000 members back to the IdP helps nobody. */
async function patch(req: ScimRequest, id: string): Promise<ScimResponse> {
  const { members, attributes } = splitGroupPatch(parsePatchBody(req.body));
  await updateGroup(req.em, req.directoryId, id, {
    members,
    ...(attributes.length > 0
      ? { raw: (group) => toGroupInput(applyToResource('Group', { ...group.raw, displayName: group.displayName }, attributes, id)).raw }
      : {}),
  });
  return { status: 204 };
}

export async function handleGroups(req: ScimRequest): Promise<ScimResponse> {
  const { id, method } = req;
  if (id === undefined) {
    if (method === 'GET') return list(req);
    if (method === 'POST') return create(req);
  } else {
    if (method === 'GET') return one(req, id);
    if (method === 'PUT') return replace(req, id);
    if (method === 'PATCH') return patch(req, id);
    if (method === 'DELETE') {
      await deleteGroup(req.em, req.directoryId, id);
      return { status: 204 };
    }
  }
  throw new ScimError(405, `${method} is not supported on this endpoint`);
}

import {
  createUser,
  deleteUser,
  findUserOrFail,
  findUserRowOrFail,
  listUsers,
  updateUser,
  type UserRow,
  type UserWithGroups,
} from '../provisioning/user.service.js';
import { applyToResource, parsePatchBody } from './patch.js';
import { expectedVersions } from './preconditions.js';
import type { ScimRequest, ScimResponse } from './request.js';
import { getOne, readList, readOne, type ResourceReader } from './resource-reads.js';
import { assertSameId, routeResource } from './resource-routes.js';
import { patchableUser, toScimUser, toUserRaw } from './resources.js';

type User = UserRow | UserWithGroups;

/** How users are read (with their groups unless projected away). */
export const users: ResourceReader<User> = {
  kind: 'User',
  related: 'groups',
  find: (sql, directoryId, id, withGroups) =>
    withGroups ? findUserOrFail(sql, directoryId, id) : findUserRowOrFail(sql, directoryId, id),
  list: listUsers,
  withRelated: async (sql, user) => ('groups' in user ? user : findUserOrFail(sql, user.directoryId, user.id)),
  toScim: toScimUser,
};

async function create(req: ScimRequest): Promise<ScimResponse> {
  const user = await createUser(req.sql, req.scope, toUserRaw(req.body));
  return {
    status: 201,
    body: toScimUser(user, req.baseUrl),
    headers: { Location: `${req.baseUrl}/Users/${user.id}` },
  };
}

/**
 * PUT replaces every attribute the IdP owns (RFC 7644 §3.5.1); a different `id` in the body is a mutability
 * error. PUT, PATCH and DELETE honour `If-Match` (412 when the user is at another version).
 */
async function replace(req: ScimRequest, id: string): Promise<ScimResponse> {
  assertSameId(req.body, id);
  const raw = toUserRaw(req.body);
  const user = await updateUser(req.sql, req.scope, id, () => raw, expectedVersions(req));
  return readOne(users, req, id, { loaded: user });
}

async function patch(req: ScimRequest, id: string): Promise<ScimResponse> {
  const operations = parsePatchBody(req.body);
  const user = await updateUser(
    req.sql,
    req.scope,
    id,
    (current) => toUserRaw(applyToResource('User', patchableUser(current), operations, id)),
    expectedVersions(req),
  );
  return readOne(users, req, id, { loaded: user });
}

export function handleUsers(req: ScimRequest): Promise<ScimResponse> {
  return routeResource(
    {
      list: (r) => readList(users, r),
      create,
      get: (r, id) => getOne(users, r, id),
      replace,
      patch,
      remove: (r, id) => deleteUser(r.sql, r.scope, id, expectedVersions(r)),
    },
    req,
  );
}

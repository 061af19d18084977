import type { DirectoryUser } from '../provisioning/user.entity.js';
import {
  createUser,
  deleteUser,
  findUserOrFail,
  groupsOfUsers,
  listUsers,
  updateUser,
  type GroupRef,
} from '../provisioning/user.service.js';
import { applyToResource, parsePatchBody } from './patch.js';
import type { ScimRequest, ScimResponse } from './request.js';
import { readList, readOne, type ResourceReader } from './resource-reads.js';
import { assertSameId, routeResource } from './resource-routes.js';
import { patchableUser, toScimUser, toUserRaw } from './resources.js';

const users: ResourceReader<DirectoryUser, GroupRef> = {
  kind: 'User',
  related: 'groups',
  find: findUserOrFail,
  list: listUsers,
  loadRelated: groupsOfUsers,
  toScim: toScimUser,
};

async function create(req: ScimRequest): Promise<ScimResponse> {
  const user = await createUser(req.em, req.scope, toUserRaw(req.body));
  return {
    status: 201,
    body: toScimUser(user, [], req.baseUrl),
    headers: { Location: `${req.baseUrl}/Users/${user.id}` },
  };
}

/** PUT replaces every attribute the IdP owns (RFC 7644 §3.5.1); a different `id` in the body is a mutability error. */
async function replace(req: ScimRequest, id: string): Promise<ScimResponse> {
  assertSameId(req.body, id);
  const raw = toUserRaw(req.body);
  const user = await updateUser(req.em, req.scope, id, () => raw);
  return readOne(users, req, id, { loaded: user });
}

async function patch(req: ScimRequest, id: string): Promise<ScimResponse> {
  const operations = parsePatchBody(req.body);
  const user = await updateUser(req.em, req.scope, id, (current) =>
    toUserRaw(applyToResource('User', patchableUser(current), operations, id)),
  );
  return readOne(users, req, id, { loaded: user });
}

export function handleUsers(req: ScimRequest): Promise<ScimResponse> {
  return routeResource(
    {
      list: (r) => readList(users, r),
      create,
      get: (r, id) => readOne(users, r, id),
      replace,
      patch,
      remove: (r, id) => deleteUser(r.em, r.scope, id),
    },
    req,
  );
}

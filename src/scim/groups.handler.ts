import {
  createGroup,
  deleteGroup,
  findGroupOrFail,
  listGroups,
  updateGroup,
  withMembers,
  type GroupRow,
  type GroupWithMembers,
  type MemberChange,
} from '../provisioning/group.service.js';
import { applyToResource, parsePatchBody, splitGroupPatch } from './patch.js';
import { expectedVersions } from './preconditions.js';
import type { ScimRequest, ScimResponse } from './request.js';
import { getOne, readList, readOne, type ResourceReader } from './resource-reads.js';
import { assertSameId, routeResource } from './resource-routes.js';
import { toGroupInput, toScimGroup, weakEtag } from './resources.js';

type Group = GroupRow | GroupWithMembers;

/** RFC 7643 §4.2: members are returned by default; `excludedAttributes=members` skips loading them. */
export const groups: ResourceReader<Group> = {
  kind: 'Group',
  related: 'members',
  find: async (sql, directoryId, id, withRelated) => {
    const group = await findGroupOrFail(sql, directoryId, id);
    return withRelated ? ((await withMembers(sql, [group]))[0] ?? group) : group;
  },
  list: async (sql, directoryId, query, withRelated) => {
    const page = await listGroups(sql, directoryId, query);
    return withRelated ? { ...page, items: await withMembers(sql, page.items) } : page;
  },
  withRelated: async (sql, group) => ('members' in group ? group : ((await withMembers(sql, [group]))[0] ?? group)),
  toScim: toScimGroup,
};

/** POST /Groups, members in the body included (Okta sends them there). */
async function create(req: ScimRequest): Promise<ScimResponse> {
  const input = toGroupInput(req.body);
  const group = await createGroup(req.sql, req.scope, input.raw, input.memberIds ?? []);
  const response = await readOne(groups, req, group.id, { status: 201, loaded: group });
  return { ...response, headers: { ...response.headers, Location: `${req.baseUrl}/Groups/${group.id}` } };
}

/**
 * PUT replaces attributes and the whole member list (no `members` = no members, RFC 7644 §3.5.1). PUT, PATCH
 * and DELETE honour `If-Match` (412 when the group is at another version).
 */
async function replace(req: ScimRequest, id: string): Promise<ScimResponse> {
  assertSameId(req.body, id);
  const input = toGroupInput(req.body);
  const members: MemberChange[] = input.memberIds
    ? [{ op: 'replace', userIds: input.memberIds }]
    : [{ op: 'removeAll' }];
  const group = await updateGroup(req.sql, req.scope, id, {
    raw: () => input.raw,
    members,
    expected: expectedVersions(req),
  });
  return readOne(groups, req, id, { loaded: group });
}

/** PATCH answers 204 with the new ETag: echoing a group with 100,000 members back to the IdP helps nobody. */
async function patch(req: ScimRequest, id: string): Promise<ScimResponse> {
  const { members, attributes } = splitGroupPatch(parsePatchBody(req.body));
  const group = await updateGroup(req.sql, req.scope, id, {
    members,
    expected: expectedVersions(req),
    ...(attributes.length > 0
      ? {
          raw: (group) =>
            toGroupInput(applyToResource('Group', { ...group.raw, displayName: group.displayName }, attributes, id))
              .raw,
        }
      : {}),
  });
  return { status: 204, headers: { ETag: weakEtag(group.version) } };
}

export function handleGroups(req: ScimRequest): Promise<ScimResponse> {
  return routeResource(
    {
      list: (r) => readList(groups, r),
      create,
      get: (r, id) => getOne(groups, r, id),
      replace,
      patch,
      remove: (r, id) => deleteGroup(r.sql, r.scope, id, expectedVersions(r)),
    },
    req,
  );
}

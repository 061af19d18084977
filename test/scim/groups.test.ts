import { describe, expect, it } from '@jest/globals';

import {
  createTestDirectory,
  ERROR,
  filterPath,
  GROUP_SCHEMA,
  scimGroupBody,
  scimPatch,
  scimUserBody,
} from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

const ctx = useScimDirectory();

async function users(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await ctx.dir.scim.post('/Users', scimUserBody())).body.id);
  return ids;
}

async function memberIds(groupId: string): Promise<string[]> {
  const res = await ctx.dir.scim.get(`/Groups/${groupId}`);
  return res.body.members.map((m: { value: string }) => m.value).sort();
}

describe('POST /Groups', () => {
  it('creates a group with the members sent in the body (Okta does this)', async () => {
    const [a, b] = await users(2);
    const res = await ctx.dir.scim.post(
      '/Groups',
      scimGroupBody({ displayName: 'Engineering', externalId: 'ext-1', members: [{ value: a }, { value: b }] }),
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`https://dsync.test/scim/v2/${ctx.dir.directoryId}/Groups/${res.body.id}`);
    expect(res.body).toMatchObject({
      schemas: [GROUP_SCHEMA],
      id: expect.any(String),
      displayName: 'Engineering',
      externalId: 'ext-1',
      meta: { resourceType: 'Group', location: res.headers.get('location'), version: 'W/"1"' },
    });
    expect(res.body.members.map((m: any) => m.value).sort()).toEqual([a, b].sort());
    expect(res.body.members[0]).toEqual({
      value: expect.any(String),
      display: 'Ada Lovelace',
      type: 'User',
      $ref: expect.stringContaining('/Users/'),
    });
  });

  it('rejects members that are not users of this directory, and creates nothing', async () => {
    const other = await createTestDirectory(ctx.t.url, ctx.t.sandboxKey);
    const foreign = (await other.scim.post('/Users', scimUserBody())).body.id;
    const name = 'Should not exist';
    const res = await ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: name, members: [{ value: foreign }] }));
    expect(res).toMatchObject({ status: 400, body: { schemas: [ERROR], status: '400', scimType: 'invalidValue' } });
    expect((await ctx.dir.scim.get(filterPath('Groups', `displayName eq "${name}"`))).body.totalResults).toBe(0);
  });
});

describe('PATCH /Groups/{id}', () => {
  it('adds members in batches, removes by value list and by members[value eq], answers 204', async () => {
    const ids = await users(5);
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody())).body;
    const path = `/Groups/${group.id}`;
    const added = await ctx.dir.scim.patch(
      path,
      scimPatch({ op: 'Add', path: 'members', value: ids.slice(0, 4).map((value) => ({ value })) }),
    );
    expect(added).toMatchObject({ status: 204, body: undefined });
    expect(await memberIds(group.id)).toEqual(ids.slice(0, 4).sort());
    await ctx.dir.scim.patch(
      path,
      scimPatch({ op: 'add', path: 'members', value: [{ value: ids[0] }, { value: ids[4] }] }),
    );
    expect(await memberIds(group.id)).toEqual([...ids].sort());
    await ctx.dir.scim.patch(
      path,
      scimPatch({ op: 'Remove', path: 'members', value: [{ value: ids[0] }, { value: ids[1] }] }),
    );
    await ctx.dir.scim.patch(path, scimPatch({ op: 'remove', path: `members[value eq "${ids[2]}"]` }));
    expect(await memberIds(group.id)).toEqual([ids[3], ids[4]].sort());
  });

  it('replaces the member list, and removes all members without a value', async () => {
    const ids = await users(3);
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody({ members: [{ value: ids[0] }] }))).body;
    await ctx.dir.scim.patch(
      `/Groups/${group.id}`,
      scimPatch({ op: 'replace', path: 'members', value: [{ value: ids[1] }, { value: ids[2] }] }),
    );
    expect(await memberIds(group.id)).toEqual([ids[1], ids[2]].sort());
    await ctx.dir.scim.patch(`/Groups/${group.id}`, scimPatch({ op: 'remove', path: 'members' }));
    expect(await memberIds(group.id)).toEqual([]);
  });

  it('renames with a no-path replace that repeats the id (Okta) and bumps the version', async () => {
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody())).body;
    const res = await ctx.dir.scim.patch(
      `/Groups/${group.id}`,
      scimPatch({ op: 'replace', value: { id: group.id, displayName: 'Renamed' } }),
    );
    expect(res.status).toBe(204);
    const read = (await ctx.dir.scim.get(`/Groups/${group.id}`)).body;
    expect(read).toMatchObject({ displayName: 'Renamed', meta: { version: 'W/"2"' } });
  });

  it('treats membership changes as changes of the group (version, lastModified)', async () => {
    const [a] = await users(1);
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody())).body;
    await ctx.dir.scim.patch(`/Groups/${group.id}`, scimPatch({ op: 'add', path: 'members', value: [{ value: a }] }));
    const read = (await ctx.dir.scim.get(`/Groups/${group.id}`)).body;
    expect(read.meta.version).toBe('W/"2"');
    // adding the same member again changes nothing
    await ctx.dir.scim.patch(`/Groups/${group.id}`, scimPatch({ op: 'add', path: 'members', value: [{ value: a }] }));
    expect((await ctx.dir.scim.get(`/Groups/${group.id}`)).body.meta.version).toBe('W/"2"');
  });
});

describe('PUT /Groups/{id}', () => {
  it('replaces attributes and the member list from the body', async () => {
    const ids = await users(3);
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody({ members: [{ value: ids[0] }] }))).body;
    const res = await ctx.dir.scim.put(`/Groups/${group.id}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'Put name',
      members: [{ value: ids[1] }, { value: ids[2] }],
    });
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe('Put name');
    expect(await memberIds(group.id)).toEqual([ids[1], ids[2]].sort());
  });
});

describe('GET /Groups', () => {
  it('returns members by default and skips them with excludedAttributes=members', async () => {
    const [a] = await users(1);
    const name = `Big ${Date.now()}`;
    await ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: name, members: [{ value: a }] }));
    const withMembers = await ctx.dir.scim.get(filterPath('Groups', `displayName eq "${name}"`));
    expect(withMembers.body.Resources[0].members).toHaveLength(1);
    const without = await ctx.dir.scim.get(
      filterPath('Groups', `displayName eq "${name}"`, '&excludedAttributes=members'),
    );
    expect(without.body.Resources[0]).not.toHaveProperty('members');
    expect(without.body.Resources[0].displayName).toBe(name);
  });

  it('finds the groups of a user with members[value eq]', async () => {
    const [a] = await users(1);
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody({ members: [{ value: a }] }))).body;
    const res = await ctx.dir.scim.get(filterPath('Groups', `members[value eq "${a}"]`, '&excludedAttributes=members'));
    expect(res.body.Resources.map((g: any) => g.id)).toEqual([group.id]);
  });
});

describe('DELETE', () => {
  it('deleting a group answers 204 and keeps its users', async () => {
    const [a] = await users(1);
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody({ members: [{ value: a }] }))).body;
    expect((await ctx.dir.scim.delete(`/Groups/${group.id}`)).status).toBe(204);
    expect((await ctx.dir.scim.get(`/Groups/${group.id}`)).status).toBe(404);
    expect((await ctx.dir.scim.get(`/Users/${a}`)).body.groups).toEqual([]);
  });

  it('deleting a user removes its memberships', async () => {
    const [a, b] = await users(2);
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody({ members: [{ value: a }, { value: b }] }))).body;
    await ctx.dir.scim.delete(`/Users/${a}`);
    expect(await memberIds(group.id)).toEqual([b]);
  });
});

describe('group displayName is unique in a directory (Entra ID, Microsoft SCIM validator)', () => {
  const name = () => `Team ${Math.random().toString(36).slice(2, 10)}`;

  it('refuses a second group with the same name in any case: 409 uniqueness, nothing stored', async () => {
    const taken = name();
    expect((await ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: taken }))).status).toBe(201);
    const res = await ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: taken.toUpperCase() }));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    const found = await ctx.dir.scim.get(filterPath('Groups', `displayName eq "${taken}"`));
    expect(found.body.totalResults).toBe(1);
  });

  it('frees a renamed group’s old name at once, and refuses a rename into a taken name', async () => {
    const [first, second] = [name(), name()];
    const a = (await ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: first }))).body;
    const b = (await ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: second }))).body;
    const renamed = `${first} (old)`;
    const rename = (id: string, displayName: string) =>
      ctx.dir.scim.patch(`/Groups/${id}`, scimPatch({ op: 'replace', path: 'displayName', value: displayName }));
    expect((await rename(a.id, renamed)).status).toBe(204);
    expect((await ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: first }))).status).toBe(201);
    const clash = await rename(b.id, renamed.toLowerCase());
    expect(clash.status).toBe(409);
    expect(clash.body.scimType).toBe('uniqueness');
    expect((await ctx.dir.scim.get(`/Groups/${b.id}`)).body.displayName).toBe(second);
    // Its own name in another case is no clash.
    expect((await rename(b.id, second.toUpperCase())).status).toBe(204);
  });

  it('lets exactly one of many concurrent creates of one name through', async () => {
    const contested = name();
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: contested }))),
    ).then((results) => results.map((r) => r.status).sort());
    expect(statuses).toEqual([201, ...Array(9).fill(409)]);
  });

  it('allows the same name in another directory', async () => {
    const shared = name();
    const other = await createTestDirectory(ctx.t.url, ctx.t.sandboxKey);
    expect((await ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: shared }))).status).toBe(201);
    expect((await other.scim.post('/Groups', scimGroupBody({ displayName: shared }))).status).toBe(201);
  });
});

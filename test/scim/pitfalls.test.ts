import { describe, expect, it } from '@jest/globals';

import {
  createTestDirectory,
  filterPath,
  GROUP_SCHEMA,
  scimGroupBody,
  scimPatch,
  scimUserBody,
} from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

// Faults seen in peer products, each pinned by a test.

const ctx = useScimDirectory();

describe('known pitfalls', () => {
  it('honours members sent in POST and PUT /Groups bodies, not only in PATCH', async () => {
    const a = (await ctx.dir.scim.post('/Users', scimUserBody())).body.id;
    const b = (await ctx.dir.scim.post('/Users', scimUserBody())).body.id;
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody({ members: [{ value: a }] }))).body;
    expect(group.members.map((m: any) => m.value)).toEqual([a]);
    const put = await ctx.dir.scim.put(`/Groups/${group.id}`, {
      schemas: [GROUP_SCHEMA],
      displayName: group.displayName,
      members: [{ value: b }],
    });
    expect(put.body.members.map((m: any) => m.value)).toEqual([b]);
  });

  it('filters externalId on externalId, never on userName', async () => {
    const target = (await ctx.dir.scim.post('/Users', scimUserBody({ externalId: 'shared-value' }))).body;
    await ctx.dir.scim.post('/Users', scimUserBody({ userName: 'shared-value' }));
    const res = await ctx.dir.scim.get(filterPath('Users', 'externalId eq "shared-value"'));
    expect(res.body.Resources.map((u: any) => u.id)).toEqual([target.id]);
  });

  it('lets a new group take the old name of a renamed group', async () => {
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: 'Old Name' }))).body;
    await ctx.dir.scim.patch(
      `/Groups/${group.id}`,
      scimPatch({ op: 'replace', path: 'displayName', value: 'New Name' }),
    );
    const again = await ctx.dir.scim.post('/Groups', scimGroupBody({ displayName: 'Old Name' }));
    expect(again.status).toBe(201);
    const byOld = await ctx.dir.scim.get(filterPath('Groups', 'displayName eq "Old Name"'));
    expect(byOld.body.Resources.map((g: any) => g.id)).toEqual([again.body.id]);
  });

  it('lets a new user take the userName of a deleted user', async () => {
    const user = (await ctx.dir.scim.post('/Users', scimUserBody({ userName: 'reused@example.com' }))).body;
    await ctx.dir.scim.delete(`/Users/${user.id}`);
    expect((await ctx.dir.scim.post('/Users', scimUserBody({ userName: 'reused@example.com' }))).status).toBe(201);
  });

  it('keeps the same userName apart in two directories', async () => {
    const other = await createTestDirectory(ctx.t.url, ctx.t.sandboxKey);
    const body = scimUserBody({ userName: 'same@example.com' });
    expect((await ctx.dir.scim.post('/Users', body)).status).toBe(201);
    expect((await other.scim.post('/Users', body)).status).toBe(201);
    expect((await other.scim.get(filterPath('Users', 'userName eq "same@example.com"'))).body.totalResults).toBe(1);
  });

  it("never serves another directory's user or group by id", async () => {
    const other = await createTestDirectory(ctx.t.url, ctx.t.sandboxKey);
    const user = (await other.scim.post('/Users', scimUserBody())).body;
    const group = (await other.scim.post('/Groups', scimGroupBody())).body;
    expect((await ctx.dir.scim.get(`/Users/${user.id}`)).status).toBe(404);
    expect(
      (await ctx.dir.scim.patch(`/Users/${user.id}`, scimPatch({ op: 'replace', path: 'active', value: false })))
        .status,
    ).toBe(404);
    expect((await ctx.dir.scim.delete(`/Groups/${group.id}`)).status).toBe(404);
    expect((await other.scim.get(`/Users/${user.id}`)).body.active).toBe(true);
  });
});

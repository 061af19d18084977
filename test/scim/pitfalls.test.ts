import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDirectory, filterPath, GROUP_SCHEMA, scimGroupBody, scimPatch, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// Faults seen in peer products, each pinned by a test.

let t: TestApp;
let dir: TestDirectory;
beforeAll(async () => {
  t = await startTestApp();
  dir = await createTestDirectory(t.url, t.sandboxKey);
});
afterAll(async () => {
  await t.close();
});

describe('known pitfalls', () => {
  it('honours members sent in POST and PUT /Groups bodies, not only in PATCH', async () => {
    const a = (await dir.scim.post('/Users', scimUserBody())).body.id;
    const b = (await dir.scim.post('/Users', scimUserBody())).body.id;
    const group = (await dir.scim.post('/Groups', scimGroupBody({ members: [{ value: a }] }))).body;
    expect(group.members.map((m: any) => m.value)).toEqual([a]);
    const put = await dir.scim.put(`/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: group.displayName, members: [{ value: b }] });
    expect(put.body.members.map((m: any) => m.value)).toEqual([b]);
  });

  it('filters externalId on externalId, never on userName', async () => {
    const target = (await dir.scim.post('/Users', scimUserBody({ externalId: 'shared-value' }))).body;
    await dir.scim.post('/Users', scimUserBody({ userName: 'shared-value' }));
    const res = await dir.scim.get(filterPath('Users', 'externalId eq "shared-value"'));
    expect(res.body.Resources.map((u: any) => u.id)).toEqual([target.id]);
  });

  it('lets a new group take the old name of a renamed group', async () => {
    const group = (await dir.scim.post('/Groups', scimGroupBody({ displayName: 'Old Name' }))).body;
    await dir.scim.patch(`/Groups/${group.id}`, scimPatch({ op: 'replace', path: 'displayName', value: 'New Name' }));
    const again = await dir.scim.post('/Groups', scimGroupBody({ displayName: 'Old Name' }));
    expect(again.status).toBe(201);
    const byOld = await dir.scim.get(filterPath('Groups', 'displayName eq "Old Name"'));
    expect(byOld.body.Resources.map((g: any) => g.id)).toEqual([again.body.id]);
  });

  it('lets a new user take the userName of a deleted user', async () => {
    const user = (await dir.scim.post('/Users', scimUserBody({ userName: 'reused@example.com' }))).body;
    await dir.scim.delete(`/Users/${user.id}`);
    expect((await dir.scim.post('/Users', scimUserBody({ userName: 'reused@example.com' }))).status).toBe(201);
  });

  it('keeps the same userName apart in two directories', async () => {
    const other = await createTestDirectory(t.url, t.sandboxKey);
    const body = scimUserBody({ userName: 'same@example.com' });
    expect((await dir.scim.post('/Users', body)).status).toBe(201);
    expect((await other.scim.post('/Users', body)).status).toBe(201);
    expect((await other.scim.get(filterPath('Users', 'userName eq "same@example.com"'))).body.totalResults).toBe(1);
  });

  it("never serves another directory's user or group by id", async () => {
    const other = await createTestDirectory(t.url, t.sandboxKey);
    const user = (await other.scim.post('/Users', scimUserBody())).body;
    const group = (await other.scim.post('/Groups', scimGroupBody())).body;
    expect((await dir.scim.get(`/Users/${user.id}`)).status).toBe(404);
    expect((await dir.scim.patch(`/Users/${user.id}`, scimPatch({ op: 'replace', path: 'active', value: false }))).status).toBe(404);
    expect((await dir.scim.delete(`/Groups/${group.id}`)).status).toBe(404);
    expect((await other.scim.get(`/Users/${user.id}`)).body.active).toBe(true);
  });
});

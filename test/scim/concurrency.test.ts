import { describe, expect, it } from '@jest/globals';

import { scimGroupBody, scimPatch, scimUserBody } from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

const ctx = useScimDirectory();

describe('concurrent SCIM writes', () => {
  it('20 parallel POSTs of one userName: exactly one 201, nineteen 409, one row', async () => {
    const body = scimUserBody({ userName: 'race@example.com' });
    const results = await Promise.all(Array.from({ length: 20 }, () => ctx.dir.scim.post('/Users', body)));
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(19).fill(409)]);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.scimType === 'uniqueness')).toBe(true);
    const rows = await ctx.t.app.orm.em
      .fork()
      .getConnection()
      .execute(
        `select count(*)::int as n from directory_users where directory_id = ? and user_name_lower = 'race@example.com'`,
        [ctx.dir.directoryId],
      );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('parallel PATCHes adding members to one group lose no member', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await ctx.dir.scim.post('/Users', scimUserBody())).body.id);
    const group = (await ctx.dir.scim.post('/Groups', scimGroupBody())).body;
    const batches = Array.from({ length: 10 }, (_, i) => ids.slice(i * 3, i * 3 + 3));
    const results = await Promise.all(
      batches.map((batch) =>
        ctx.dir.scim.patch(
          `/Groups/${group.id}`,
          scimPatch({ op: 'add', path: 'members', value: batch.map((value) => ({ value })) }),
        ),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(204));
    const members = (await ctx.dir.scim.get(`/Groups/${group.id}`)).body.members.map((m: any) => m.value).sort();
    expect(members).toEqual([...ids].sort());
  });

  it('parallel PATCHes of one user apply every change (row lock, no lost update)', async () => {
    const user = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    const attributes = ['title', 'nickName', 'userType', 'locale', 'timezone', 'preferredLanguage', 'profileUrl'];
    const results = await Promise.all(
      attributes.map((attribute) =>
        ctx.dir.scim.patch(`/Users/${user.id}`, scimPatch({ op: 'add', path: attribute, value: `v-${attribute}` })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(attributes.length).fill(200));
    const read = (await ctx.dir.scim.get(`/Users/${user.id}`)).body;
    for (const attribute of attributes) expect(read[attribute]).toBe(`v-${attribute}`);
    expect(read.meta.version).toBe(`W/"${attributes.length + 1}"`);
  });
});

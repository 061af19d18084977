import { describe, expect, it } from '@jest/globals';

import { ERROR, scimPatch, scimUserBody } from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

const ctx = useScimDirectory();

function scimError(status: number, scimType?: string) {
  return { schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail: expect.any(String) };
}

async function userCount(): Promise<number> {
  return (await ctx.dir.scim.get('/Users?count=0')).body.totalResults;
}

describe('SCIM errors (RFC 7644 §3.12)', () => {
  it('malformed JSON → 400 invalidSyntax, nothing stored', async () => {
    const before = await userCount();
    const res = await ctx.dir.scim.request('POST', '/Users', '{"userName": "x"', {
      'content-type': 'application/scim+json',
    });
    expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidSyntax') });
    expect(res.headers.get('content-type')).toContain('application/scim+json');
    expect(await userCount()).toBe(before);
  });

  it('a JSON body that is not an object → 400 invalidSyntax', async () => {
    expect((await ctx.dir.scim.post('/Users', [1, 2])).body).toEqual(scimError(400, 'invalidSyntax'));
  });

  it('wrong media type → 415; application/json is accepted', async () => {
    const res = await ctx.dir.scim.request('POST', '/Users', 'userName=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res).toMatchObject({ status: 415, body: scimError(415) });
    const json = await ctx.dir.scim.request('POST', '/Users', JSON.stringify(scimUserBody()), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(json.body).toMatchObject({ userName: expect.any(String) });
  });

  it('body over 1 MiB → 413 tooMany', async () => {
    const res = await ctx.dir.scim.post('/Users', scimUserBody({ padding: 'x'.repeat(1_100_000) }));
    expect(res).toMatchObject({ status: 413, body: scimError(413, 'tooMany') });
  });

  it.each(['00000000-0000-7000-8000-000000000000', 'not-a-uuid'])(
    'unknown id %s → 404 for every method',
    async (id) => {
      for (const res of [
        await ctx.dir.scim.get(`/Users/${id}`),
        await ctx.dir.scim.put(`/Users/${id}`, scimUserBody()),
        await ctx.dir.scim.patch(`/Users/${id}`, scimPatch({ op: 'replace', path: 'active', value: false })),
        await ctx.dir.scim.delete(`/Users/${id}`),
        await ctx.dir.scim.get(`/Groups/${id}`),
        await ctx.dir.scim.delete(`/Groups/${id}`),
      ]) {
        expect(res).toMatchObject({ status: 404, body: scimError(404) });
      }
    },
  );

  it('duplicate userName (case-insensitive) → 409 uniqueness, on POST, PUT and PATCH', async () => {
    const first = (await ctx.dir.scim.post('/Users', scimUserBody({ userName: 'Taken@Example.com' }))).body;
    expect((await ctx.dir.scim.post('/Users', scimUserBody({ userName: 'taken@example.COM' }))).body).toEqual(
      scimError(409, 'uniqueness'),
    );
    const second = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    expect(
      (await ctx.dir.scim.put(`/Users/${second.id}`, scimUserBody({ userName: 'TAKEN@example.com' }))).body,
    ).toEqual(scimError(409, 'uniqueness'));
    const patched = await ctx.dir.scim.patch(
      `/Users/${second.id}`,
      scimPatch({ op: 'replace', path: 'userName', value: 'taken@EXAMPLE.com' }),
    );
    expect(patched.body).toEqual(scimError(409, 'uniqueness'));
    expect((await ctx.dir.scim.get(`/Users/${second.id}`)).body.userName).toBe(second.userName);
    expect((await ctx.dir.scim.get(`/Users/${first.id}`)).body.userName).toBe('Taken@Example.com');
  });

  it('changing id → 400 mutability (PUT body, PATCH path)', async () => {
    const user = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    expect((await ctx.dir.scim.put(`/Users/${user.id}`, scimUserBody({ id: 'another' }))).body).toEqual(
      scimError(400, 'mutability'),
    );
    const res = await ctx.dir.scim.patch(
      `/Users/${user.id}`,
      scimPatch({ op: 'replace', path: 'id', value: 'another' }),
    );
    expect(res.body).toEqual(scimError(400, 'mutability'));
    expect(
      (await ctx.dir.scim.patch(`/Users/${user.id}`, scimPatch({ op: 'add', path: 'groups', value: [{ value: 'g' }] })))
        .body,
    ).toEqual(scimError(400, 'mutability'));
  });

  it.each([
    ['missing userName', { userName: undefined }],
    ['empty userName', { userName: '  ' }],
    ['userName not a string', { userName: 42 }],
    ['active not a boolean', { active: 'maybe' }],
    ['emails not an array', { emails: 'a@b.c' }],
    ['email without value', { emails: [{ type: 'work' }] }],
    ['name not an object', { name: 'Ada' }],
  ])('%s → 400 invalidValue, nothing stored', async (_name, overrides) => {
    const before = await userCount();
    const body = scimUserBody(overrides);
    const res = await ctx.dir.scim.post('/Users', JSON.parse(JSON.stringify(body)));
    expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidValue') });
    expect(await userCount()).toBe(before);
  });

  it('PATCH errors: bad op → invalidSyntax, remove without path → noTarget, replace on a filter matching nothing → noTarget', async () => {
    const user = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    const path = `/Users/${user.id}`;
    expect(
      (await ctx.dir.scim.patch(path, scimPatch({ op: 'frobnicate', path: 'active', value: false }))).body,
    ).toEqual(scimError(400, 'invalidSyntax'));
    expect((await ctx.dir.scim.patch(path, { schemas: [], Operations: [] })).body).toEqual(
      scimError(400, 'invalidSyntax'),
    );
    expect((await ctx.dir.scim.patch(path, scimPatch({ op: 'remove' }))).body).toEqual(scimError(400, 'noTarget'));
    const noTarget = await ctx.dir.scim.patch(
      path,
      scimPatch({ op: 'replace', path: 'emails[type eq "home"].value', value: 'h@x.com' }),
    );
    expect(noTarget.body).toEqual(scimError(400, 'noTarget'));
    expect(
      (await ctx.dir.scim.patch(path, scimPatch({ op: 'replace', path: 'active', value: 'perhaps' }))).body,
    ).toEqual(scimError(400, 'invalidValue'));
    expect((await ctx.dir.scim.get(path)).body).toEqual(user);
  });

  it('invalid filters → 400 invalidFilter', async () => {
    for (const filter of [
      'userName eq',
      'userName xx "a"',
      '(userName eq "a"',
      'meta.created gt "yesterday"',
      'active gt true',
      'name eq "x"',
    ]) {
      const res = await ctx.dir.scim.get(`/Users?filter=${encodeURIComponent(filter)}`);
      expect({ filter, body: res.body }).toEqual({ filter, body: scimError(400, 'invalidFilter') });
    }
  });

  it('invalid paging and sorting → 400 invalidValue', async () => {
    expect((await ctx.dir.scim.get('/Users?count=ten')).body).toEqual(scimError(400, 'invalidValue'));
    expect((await ctx.dir.scim.get('/Users?sortOrder=sideways')).body).toEqual(scimError(400, 'invalidValue'));
    expect((await ctx.dir.scim.get('/Users?sortBy=emails')).body).toEqual(scimError(400, 'invalidValue'));
  });

  it('unsupported method → 405', async () => {
    expect((await ctx.dir.scim.request('DELETE', '/Users')).body).toEqual(scimError(405));
  });
});

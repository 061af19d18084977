import { describe, expect, it } from '@jest/globals';

import {
  createTestDirectory,
  ENTERPRISE,
  LIST_RESPONSE,
  scimPatch,
  scimUserBody,
  USER_SCHEMA,
} from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

const ctx = useScimDirectory();

async function row(id: string): Promise<Record<string, unknown> | undefined> {
  const rows = await ctx.t.app.orm.em
    .fork()
    .getConnection()
    .execute('select * from directory_users where id = ?', [id]);
  return rows[0];
}

describe('POST /Users', () => {
  it('creates a user: 201, Location, meta, application/scim+json, normalized columns', async () => {
    const body = scimUserBody({
      userName: 'Grace.Hopper@Example.com',
      externalId: 'okta-123',
      displayName: 'Grace Hopper',
    });
    const res = await ctx.dir.scim.post('/Users', body);
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toContain('application/scim+json');
    expect(res.headers.get('location')).toBe(`https://dsync.test/scim/v2/${ctx.dir.directoryId}/Users/${res.body.id}`);
    expect(res.body).toEqual({
      ...body,
      schemas: [USER_SCHEMA],
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      groups: [],
      meta: {
        resourceType: 'User',
        created: expect.any(String),
        lastModified: expect.any(String),
        location: res.headers.get('location'),
        version: 'W/"1"',
      },
    });
    expect(await row(res.body.id)).toMatchObject({
      user_name: 'Grace.Hopper@Example.com',
      user_name_lower: 'grace.hopper@example.com',
      external_id: 'okta-123',
      email: 'grace.hopper@example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
      display_name: 'Grace Hopper',
      state: 'active',
    });
  });

  it('keeps unknown and extension attributes in raw, and never stores a password', async () => {
    const res = await ctx.dir.scim.post(
      '/Users',
      scimUserBody({
        schemas: [USER_SCHEMA, ENTERPRISE, 'urn:okta:custom:1.0:User'],
        password: 'hunter2',
        nickName: 'Amazing Grace',
        [ENTERPRISE]: { department: 'Navy', manager: { value: 'm-1' } },
        'urn:okta:custom:1.0:User': { favouriteLanguage: 'COBOL' },
      }),
    );
    expect(res.status).toBe(201);
    expect(res.body).not.toHaveProperty('password');
    const stored = await row(res.body.id);
    expect(stored?.['raw']).toMatchObject({
      nickName: 'Amazing Grace',
      [ENTERPRISE]: { department: 'Navy', manager: { value: 'm-1' } },
      'urn:okta:custom:1.0:User': { favouriteLanguage: 'COBOL' },
    });
    expect(JSON.stringify(stored)).not.toContain('hunter2');
    const read = await ctx.dir.scim.get(`/Users/${res.body.id}`);
    expect(read.body['urn:okta:custom:1.0:User']).toEqual({ favouriteLanguage: 'COBOL' });
  });

  it('takes the primary email, else the work one, else the first; names from name.*', async () => {
    const cases: [unknown[], string | null][] = [
      [
        [
          { value: 'home@x.com', type: 'home' },
          { value: 'Work@X.com', type: 'work' },
        ],
        'work@x.com',
      ],
      [
        [
          { value: 'a@x.com', type: 'work' },
          { value: 'p@x.com', type: 'home', primary: 'True' },
        ],
        'p@x.com',
      ],
      [[{ value: 'only@x.com' }], 'only@x.com'],
      [[], null],
    ];
    for (const [emails, expected] of cases) {
      const res = await ctx.dir.scim.post('/Users', scimUserBody({ emails }));
      expect(res.status).toBe(201);
      expect((await row(res.body.id))?.['email']).toBe(expected);
    }
  });
});

describe('GET /Users/{id}', () => {
  it('returns the user with its groups and an ETag', async () => {
    const created = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    const res = await ctx.dir.scim.get(`/Users/${created.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created);
    expect(res.headers.get('etag')).toBe('W/"1"');
  });

  it('honours attributes and excludedAttributes', async () => {
    const created = (await ctx.dir.scim.post('/Users', scimUserBody({ [ENTERPRISE]: { department: 'R&D' } }))).body;
    const only = await ctx.dir.scim.get(
      `/Users/${created.id}?attributes=userName,name.givenName,${ENTERPRISE}:department`,
    );
    expect(only.body).toEqual({
      schemas: created.schemas,
      id: created.id,
      userName: created.userName,
      name: { givenName: 'Ada' },
      [ENTERPRISE]: { department: 'R&D' },
    });
    const without = await ctx.dir.scim.get(`/Users/${created.id}?excludedAttributes=emails,groups,meta`);
    expect(without.body).not.toHaveProperty('emails');
    expect(without.body).not.toHaveProperty('groups');
    expect(without.body).not.toHaveProperty('meta');
    expect(without.body.userName).toBe(created.userName);
  });
});

describe('PUT /Users/{id}', () => {
  it('replaces the resource: attributes left out are gone, normalized fields recomputed', async () => {
    const created = (await ctx.dir.scim.post('/Users', scimUserBody({ title: 'Admiral', nickName: 'G' }))).body;
    const res = await ctx.dir.scim.put(`/Users/${created.id}`, {
      schemas: [USER_SCHEMA],
      id: created.id,
      userName: created.userName,
      name: { givenName: 'Grace', familyName: 'Hopper' },
      emails: [{ value: 'grace@navy.mil', primary: true }],
      active: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('title');
    expect(res.body).not.toHaveProperty('nickName');
    expect(res.body.meta.version).toBe('W/"2"');
    expect(await row(created.id)).toMatchObject({
      first_name: 'Grace',
      last_name: 'Hopper',
      email: 'grace@navy.mil',
      version: 2,
    });
  });
});

describe('PATCH /Users/{id}', () => {
  it('deactivates with active: false (kept as inactive) and reactivates', async () => {
    const created = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    const off = await ctx.dir.scim.patch(
      `/Users/${created.id}`,
      scimPatch({ op: 'replace', path: 'active', value: false }),
    );
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect(await row(created.id)).toMatchObject({ state: 'inactive' });
    const on = await ctx.dir.scim.patch(
      `/Users/${created.id}`,
      scimPatch({ op: 'Replace', value: { active: 'True' } }),
    );
    expect(on.body.active).toBe(true);
    expect(await row(created.id)).toMatchObject({ state: 'active' });
  });

  it('sends nothing new for a PATCH that changes nothing (version stays)', async () => {
    const created = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    const res = await ctx.dir.scim.patch(
      `/Users/${created.id}`,
      scimPatch({ op: 'replace', path: 'name.givenName', value: 'Ada' }),
    );
    expect(res.body.meta.version).toBe('W/"1"');
  });
});

describe('DELETE /Users/{id}', () => {
  it('answers 204 and the user is gone', async () => {
    const created = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    const res = await ctx.dir.scim.delete(`/Users/${created.id}`);
    expect(res).toMatchObject({ status: 204, body: undefined });
    expect((await ctx.dir.scim.get(`/Users/${created.id}`)).status).toBe(404);
    expect(await row(created.id)).toBeUndefined();
  });
});

describe('GET /Users', () => {
  it('pages with startIndex/count, sorts, and counts in the database', async () => {
    const other = await createTestDirectory(ctx.t.url, ctx.t.sandboxKey);
    for (const name of ['carol', 'alice', 'bob', 'dave', 'eve']) {
      await other.scim.post('/Users', scimUserBody({ userName: `${name}@corp.example` }));
    }
    const page = await other.scim.get('/Users?startIndex=2&count=2&sortBy=userName&sortOrder=descending');
    expect(page.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 5, itemsPerPage: 2, startIndex: 2 });
    expect(page.body.Resources.map((u: any) => u.userName)).toEqual(['dave@corp.example', 'carol@corp.example']);
    const none = await other.scim.get('/Users?count=0');
    expect(none.body).toEqual({ schemas: [LIST_RESPONSE], totalResults: 5, itemsPerPage: 0, startIndex: 1 });
    const far = await other.scim.get('/Users?startIndex=99999999999999999999');
    expect(far.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    const past = await other.scim.get('/Users?startIndex=50');
    expect(past.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
  });

  it('uses a fixed number of SQL statements whatever the page size (no per-row queries)', async () => {
    const other = await createTestDirectory(ctx.t.url, ctx.t.sandboxKey);
    for (let i = 0; i < 12; i++) await other.scim.post('/Users', scimUserBody());
    const count = async (path: string) => {
      const before = ctx.t.queries.length;
      await other.scim.get(path);
      return ctx.t.queries.slice(before).filter((q) => /\b(select|insert|update|delete)\b/i.test(q)).length;
    };
    expect(await count('/Users?count=2')).toBe(await count('/Users?count=12'));
    // token lookup, page, count(*), groups of the page
    expect(await count('/Users?count=12')).toBeLessThanOrEqual(4);
  });
});

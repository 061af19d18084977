import { beforeAll, describe, expect, it } from '@jest/globals';

import { uniq } from '../fixtures/graphql.js';
import {
  ENTERPRISE,
  filterPath,
  GROUP_SCHEMA,
  scimGroupBody,
  scimPatch,
  scimUserBody,
  USER_SCHEMA,
} from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

// RFC 7644 §3.10: attribute names may be fully qualified with their schema URN, the core schema's included.

const ctx = useScimDirectory();

async function storedRaw(table: 'directory_users' | 'directory_groups', id: string): Promise<unknown> {
  const rows = await ctx.t.app.orm.em.fork().getConnection().execute(`select raw from ${table} where id = ?`, [id]);
  return rows[0]?.['raw'];
}

function ids(body: { Resources?: { id: string }[] }): string[] {
  return (body.Resources ?? []).map((resource) => resource.id);
}

describe('core attributes qualified by the core schema URN as flat keys', () => {
  it('never keeps or echoes a password, nor takes server-owned attributes, sent under their full name', async () => {
    const userName = `${uniq('fqn')}@example.com`;
    const res = await ctx.dir.scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName,
      [`${USER_SCHEMA}:password`]: 'hunter2-Qualified',
      [`${USER_SCHEMA}:meta`]: { resourceType: 'Spoofed', version: 'W/"999"' },
      [`${USER_SCHEMA}:groups`]: [{ value: 'spoofed' }],
      [`${USER_SCHEMA}:title`]: 'Engineer',
    });
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body)).not.toContain('hunter2-Qualified');
    expect(res.body).toMatchObject({ title: 'Engineer', groups: [], meta: { resourceType: 'User', version: 'W/"1"' } });
    const raw = (await storedRaw('directory_users', res.body.id)) as Record<string, unknown>;
    expect(JSON.stringify(raw)).not.toContain('hunter2-Qualified');
    expect(JSON.stringify(raw)).not.toContain('Spoofed');
    expect(raw).toMatchObject({ title: 'Engineer' });
  });

  it('refuses an attribute sent both plain and qualified with 400 invalidValue', async () => {
    const userName = `${uniq('fqn')}@example.com`;
    const res = await ctx.dir.scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName,
      [`${USER_SCHEMA}:userName`]: `other-${userName}`,
    });
    expect(res).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
  });
});

describe('core attributes inside the core schema URN (POST/PUT bodies)', () => {
  it('creates a user the way the conformance tool sends it; raw and response stay unqualified', async () => {
    const userName = `${uniq('fqn')}@example.com`;
    const res = await ctx.dir.scim.post('/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      [USER_SCHEMA]: {
        userName,
        name: { givenName: 'Qualified', familyName: 'Name' },
        emails: [{ value: userName, type: 'work', primary: true }],
        active: true,
      },
      [ENTERPRISE]: { department: 'R&D' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      userName,
      name: { givenName: 'Qualified', familyName: 'Name' },
      emails: [{ value: userName, type: 'work', primary: true }],
      [ENTERPRISE]: { department: 'R&D' },
    });
    expect(res.body).not.toHaveProperty([USER_SCHEMA]);
    const raw = (await storedRaw('directory_users', res.body.id)) as Record<string, unknown>;
    expect(raw).toMatchObject({ userName, name: { givenName: 'Qualified' }, emails: [{ value: userName }] });
    expect(raw).not.toHaveProperty([USER_SCHEMA]);
  });

  it('matches the core URN case-insensitively and mixes qualified and plain keys', async () => {
    const userName = `${uniq('fqn')}@example.com`;
    const res = await ctx.dir.scim.post('/Users', {
      schemas: [USER_SCHEMA],
      userName,
      [USER_SCHEMA.toUpperCase()]: { displayName: 'Upper Case URN' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userName, displayName: 'Upper Case URN' });
  });

  it('replaces a user with PUT and a qualified body', async () => {
    const created = await ctx.dir.scim.post('/Users', scimUserBody());
    const res = await ctx.dir.scim.put(`/Users/${created.body.id}`, {
      schemas: [USER_SCHEMA],
      [USER_SCHEMA]: { userName: created.body.userName, title: 'Replaced' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userName: created.body.userName, title: 'Replaced' });
    expect(res.body).not.toHaveProperty('name');
  });

  it('creates and replaces a group with its attributes inside the Group URN', async () => {
    const member = await ctx.dir.scim.post('/Users', scimUserBody());
    const displayName = uniq('Qualified group ');
    const res = await ctx.dir.scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      [GROUP_SCHEMA]: { displayName, members: [{ value: member.body.id }] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ displayName, members: [{ value: member.body.id }] });
    expect(await storedRaw('directory_groups', res.body.id)).not.toHaveProperty([GROUP_SCHEMA]);
    const renamed = await ctx.dir.scim.put(`/Groups/${res.body.id}`, {
      schemas: [GROUP_SCHEMA],
      [GROUP_SCHEMA]: { displayName: `${displayName} renamed` },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ displayName: `${displayName} renamed`, members: [] });
  });

  it.each([
    [
      'the same key top-level and qualified',
      { userName: 'a@example.com', [USER_SCHEMA]: { userName: 'b@example.com' } },
    ],
    [
      'the same key in another case',
      { displayName: 'A', [USER_SCHEMA]: { userName: 'c@example.com', DisplayName: 'B' } },
    ],
    ['a core URN that is not an object', { userName: 'd@example.com', [USER_SCHEMA]: 'userName' }],
  ])('refuses %s: 400 invalidValue', async (_label, body) => {
    const res = await ctx.dir.scim.post('/Users', { schemas: [USER_SCHEMA], ...body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });
});

describe('qualified names in filters, sortBy, attributes and PATCH paths', () => {
  let ada: { id: string; userName: string };
  let bob: { id: string; userName: string };
  let group: { id: string; displayName: string };
  const department = uniq('Dept');

  beforeAll(async () => {
    const a = await ctx.dir.scim.post(
      '/Users',
      scimUserBody({
        schemas: [USER_SCHEMA, ENTERPRISE],
        name: { givenName: 'Ada', familyName: 'Zed' },
        emails: [
          { value: 'ada.home@example.com', type: 'home' },
          { value: 'ada.work@example.com', type: 'work', primary: true },
        ],
        [ENTERPRISE]: { department, manager: { value: 'manager-1' } },
      }),
    );
    const b = await ctx.dir.scim.post(
      '/Users',
      scimUserBody({
        schemas: [USER_SCHEMA, ENTERPRISE],
        name: { givenName: 'Bob', familyName: 'Young' },
        [ENTERPRISE]: { department },
      }),
    );
    const g = await ctx.dir.scim.post('/Groups', scimGroupBody());
    ada = a.body;
    bob = b.body;
    group = g.body;
  });

  it.each([
    [`${USER_SCHEMA}:userName eq "{ada}"`, ['ada']],
    [`${USER_SCHEMA.toUpperCase()}:USERNAME eq "{ada}"`, ['ada']],
    [`${ENTERPRISE}:department eq "{dept}" and ${USER_SCHEMA}:name.givenName eq "Bob"`, ['bob']],
    [`${ENTERPRISE}:manager.value eq "manager-1"`, ['ada']],
    [`${USER_SCHEMA}:emails[type eq "work" and value eq "ada.work@example.com"]`, ['ada']],
    [
      `${USER_SCHEMA}:meta.lastModified gt "2000-01-01T00:00:00Z" and ${ENTERPRISE}:department eq "{dept}"`,
      ['ada', 'bob'],
    ],
  ])('filter %s', async (filter, expected) => {
    const text = filter.replace('{ada}', ada.userName).replace('{dept}', department);
    const res = await ctx.dir.scim.get(filterPath('Users', text));
    expect(res.status).toBe(200);
    const wanted = expected.map((name) => (name === 'ada' ? ada.id : bob.id));
    expect(ids(res.body).sort()).toEqual([...wanted].sort());
  });

  it('the core URN qualifies the common attributes too: meta is complex, as unqualified', async () => {
    for (const sortBy of ['meta', `${USER_SCHEMA}:meta`]) {
      const res = await ctx.dir.scim.get(`/Users?sortBy=${encodeURIComponent(sortBy)}`);
      expect([sortBy, res.status, res.body.scimType]).toEqual([sortBy, 400, 'invalidValue']);
    }
    const created = await ctx.dir.scim.get(filterPath('Users', `${USER_SCHEMA}:meta.created gt "yesterday"`));
    expect(created.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });

  it('filters groups by a qualified displayName', async () => {
    const res = await ctx.dir.scim.get(filterPath('Groups', `${GROUP_SCHEMA}:displayName eq "${group.displayName}"`));
    expect(ids(res.body)).toEqual([group.id]);
  });

  it('sorts by a qualified name like by the plain one', async () => {
    const filter = encodeURIComponent(`${ENTERPRISE}:department eq "${department}"`);
    const qualified = await ctx.dir.scim.get(
      `/Users?filter=${filter}&sortBy=${encodeURIComponent(`${USER_SCHEMA}:name.familyName`)}&sortOrder=descending`,
    );
    const plain = await ctx.dir.scim.get(`/Users?filter=${filter}&sortBy=name.familyName&sortOrder=descending`);
    expect(ids(qualified.body)).toEqual([ada.id, bob.id]);
    expect(ids(qualified.body)).toEqual(ids(plain.body));
  });

  it('projects with qualified attributes and excludedAttributes', async () => {
    const only = await ctx.dir.scim.get(
      `/Users/${ada.id}?attributes=${encodeURIComponent(`${USER_SCHEMA}:name.givenName,${ENTERPRISE}:department`)}`,
    );
    expect(only.body).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE],
      id: ada.id,
      name: { givenName: 'Ada' },
      [ENTERPRISE]: { department },
    });
    const without = await ctx.dir.scim.get(
      `/Users/${ada.id}?excludedAttributes=${encodeURIComponent(`${USER_SCHEMA}:emails,${USER_SCHEMA}:meta`)}`,
    );
    expect(without.body).not.toHaveProperty('emails');
    expect(without.body).not.toHaveProperty('meta');
    expect(without.body).toHaveProperty('userName', ada.userName);
  });

  it('patches qualified paths: a sub-attribute and a value-filter path', async () => {
    const res = await ctx.dir.scim.patch(
      `/Users/${ada.id}`,
      scimPatch(
        { op: 'replace', path: `${USER_SCHEMA}:name.givenName`, value: 'Augusta' },
        { op: 'replace', path: `${USER_SCHEMA}:emails[type eq "work"].value`, value: 'augusta@example.com' },
        { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Maths' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.name).toEqual({ givenName: 'Augusta', familyName: 'Zed' });
    expect(res.body.emails).toEqual([
      { value: 'ada.home@example.com', type: 'home' },
      { value: 'augusta@example.com', type: 'work', primary: true },
    ]);
    expect(res.body[ENTERPRISE]).toMatchObject({ department: 'Maths' });
    const raw = (await storedRaw('directory_users', ada.id)) as Record<string, unknown>;
    expect(Object.keys(raw).filter((key) => key.toLowerCase().startsWith(USER_SCHEMA.toLowerCase()))).toEqual([]);
  });

  it('patches a group with a no-path value inside the Group URN', async () => {
    const res = await ctx.dir.scim.patch(
      `/Groups/${group.id}`,
      scimPatch({ op: 'replace', value: { [GROUP_SCHEMA]: { displayName: `${group.displayName} v2` } } }),
    );
    expect(res.status).toBe(204);
    expect((await ctx.dir.scim.get(`/Groups/${group.id}`)).body.displayName).toBe(`${group.displayName} v2`);
    expect(await storedRaw('directory_groups', group.id)).not.toHaveProperty([GROUP_SCHEMA]);
  });

  it('adds members with a no-path value inside the Group URN', async () => {
    const res = await ctx.dir.scim.patch(
      `/Groups/${group.id}`,
      scimPatch({ op: 'add', value: { [GROUP_SCHEMA]: { members: [{ value: ada.id }, { value: bob.id }] } } }),
    );
    expect(res.status).toBe(204);
    const read = await ctx.dir.scim.get(`/Groups/${group.id}`);
    expect(read.body.members.map((m: { value: string }) => m.value).sort()).toEqual([ada.id, bob.id].sort());
  });

  it('refuses a no-path PATCH value with a name inside and outside the URN: 400 invalidValue', async () => {
    const res = await ctx.dir.scim.patch(
      `/Users/${bob.id}`,
      scimPatch({ op: 'replace', value: { title: 'A', [USER_SCHEMA]: { title: 'B' } } }),
    );
    expect(res.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });

  it('patches a user with a no-path value inside the User URN', async () => {
    const res = await ctx.dir.scim.patch(
      `/Users/${bob.id}`,
      scimPatch({ op: 'replace', value: { [USER_SCHEMA]: { title: 'Captain', name: { givenName: 'Robert' } } } }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ title: 'Captain', name: { givenName: 'Robert', familyName: 'Young' } });
    expect(await storedRaw('directory_users', bob.id)).not.toHaveProperty([USER_SCHEMA]);
  });

  it('a malformed schema URN in a filter is 400 invalidFilter, in a PATCH path 400 invalidPath', async () => {
    const filter = await ctx.dir.scim.get(filterPath('Users', 'urn:bad urn:userName eq "a"'));
    expect(filter.status).toBe(400);
    expect(filter.body).toMatchObject({ scimType: 'invalidFilter' });
    const polluted = await ctx.dir.scim.get(filterPath('Users', 'urn:x:constructor:1.0:User:userName eq "a"'));
    expect(polluted.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    const patch = await ctx.dir.scim.patch(
      `/Users/${ada.id}`,
      scimPatch({ op: 'replace', path: 'urn:x:constructor:1.0:User:title', value: 'x' }),
    );
    expect(patch.body).toMatchObject({ status: '400', scimType: 'invalidPath' });
  });

  it('a well-formed but unknown schema URN is an attribute no resource has: it matches nothing', async () => {
    const res = await ctx.dir.scim.get(filterPath('Users', 'urn:example:unknown:1.0:User:userName eq "a"'));
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
    // The Group core URN qualifies no User attribute either.
    const other = await ctx.dir.scim.get(filterPath('Users', `${GROUP_SCHEMA}:displayName pr`));
    expect(other.body.totalResults).toBe(0);
  });
});

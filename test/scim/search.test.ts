import { beforeAll, describe, expect, it } from '@jest/globals';

import { ENTERPRISE, GROUP_SCHEMA, LIST_RESPONSE, scimGroupBody, scimUserBody, USER_SCHEMA } from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

// POST /.search (RFC 7644 §3.4.3): the body holds the parameters of the equivalent GET, with the same results.

const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const ctx = useScimDirectory();

type Search = Record<string, unknown>;

/** The query string of the GET a SearchRequest stands for. */
function query(search: Search): string {
  return Object.entries(search)
    .map(([key, value]) => `${key}=${encodeURIComponent(Array.isArray(value) ? value.join(',') : String(value))}`)
    .join('&');
}

const userIds: string[] = [];
const groupIds: string[] = [];

beforeAll(async () => {
  // One directory of its own: 3 users and 2 groups, all with a displayName that starts with "S ".
  for (const [i, name] of ['S Carol', 'S Alice', 'S Bob'].entries()) {
    const res = await ctx.dir.scim.post(
      '/Users',
      scimUserBody({
        schemas: [USER_SCHEMA, ENTERPRISE],
        userName: `search-${i}@example.com`,
        displayName: name,
        title: i === 1 ? 'Boss' : 'Staff',
        [ENTERPRISE]: { department: i === 1 ? 'Sales' : 'R&D' },
      }),
    );
    userIds.push(res.body.id);
  }
  for (const name of ['S Ops', 'S Eng']) {
    const res = await ctx.dir.scim.post(
      '/Groups',
      scimGroupBody({ displayName: name, members: [{ value: userIds[0] }] }),
    );
    groupIds.push(res.body.id);
  }
});

describe('POST /Users/.search and /Groups/.search answer what the equivalent GET answers', () => {
  it.each<[string, 'Users' | 'Groups', Search]>([
    ['everything', 'Users', {}],
    ['filter, sort, page', 'Users', { filter: 'title eq "Staff"', sortBy: 'displayName', startIndex: 2, count: 1 }],
    ['descending by an extension', 'Users', { sortBy: `${ENTERPRISE}:department`, sortOrder: 'descending' }],
    ['attributes', 'Users', { attributes: ['userName', 'name.givenName', `${ENTERPRISE}:department`] }],
    ['excludedAttributes', 'Users', { excludedAttributes: ['groups', 'emails', 'meta'], sortBy: 'userName' }],
    ['both attribute lists', 'Users', { attributes: ['emails', 'userName'], excludedAttributes: ['emails.type'] }],
    ['count 0', 'Users', { filter: 'displayName sw "S "', count: 0 }],
    ['a value filter', 'Users', { filter: 'emails[value co "search-1"]' }],
    ['meta.resourceType', 'Users', { filter: 'meta.resourceType eq "User" and title ne "Boss"' }],
    ['groups: filter and sort', 'Groups', { filter: 'displayName sw "s "', sortBy: 'displayName' }],
    ['groups: without members, paged', 'Groups', { excludedAttributes: ['members'], startIndex: 2, count: 5 }],
    ['groups: by member', 'Groups', { filter: `members[value eq "{member}"]`, attributes: ['displayName'] }],
  ])('%s', async (_label, resource, search) => {
    const concrete = JSON.parse(JSON.stringify(search).replace('{member}', userIds[0] ?? '')) as Search;
    const get = await ctx.dir.scim.get(`/${resource}?${query(concrete)}`);
    const post = await ctx.dir.scim.post(`/${resource}/.search`, { schemas: [SEARCH], ...concrete });
    expect(get.status).toBe(200);
    expect(post.status).toBe(200);
    expect(post.headers.get('content-type')).toContain('application/scim+json');
    expect(post.body).toEqual(get.body);
    expect(post.body.schemas).toEqual([LIST_RESPONSE]);
  });

  it('finds what it should (not just the same as GET)', async () => {
    const res = await ctx.dir.scim.post('/Users/.search', {
      schemas: [SEARCH],
      filter: `${ENTERPRISE}:department eq "sales"`,
      attributes: ['userName'],
    });
    expect(res.body).toEqual({
      schemas: [LIST_RESPONSE],
      totalResults: 1,
      itemsPerPage: 1,
      startIndex: 1,
      Resources: [{ schemas: [USER_SCHEMA, ENTERPRISE], id: userIds[1], userName: 'search-1@example.com' }],
    });
  });

  it('ignores query parameters of the URL: the body is the search', async () => {
    const res = await ctx.dir.scim.post('/Users/.search?count=0&filter=bad%20filter', { schemas: [SEARCH] });
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(3);
    expect(res.body.Resources).toHaveLength(3);
  });
});

describe('POST /.search at the root: users, then groups', () => {
  const search = (body: Search) => ctx.dir.scim.post('/.search', { schemas: [SEARCH], ...body });

  it('returns both kinds matching the filter, each with its own schemas and resourceType', async () => {
    const res = await search({ filter: 'displayName sw "S "', sortBy: 'displayName' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 5, itemsPerPage: 5, startIndex: 1 });
    const resources = res.body.Resources as { id: string; schemas: string[]; meta: { resourceType: string } }[];
    // Users sorted by displayName (Alice, Bob, Carol), then groups sorted by displayName (Eng, Ops).
    expect(resources.map((r) => r.id)).toEqual([userIds[1], userIds[2], userIds[0], groupIds[1], groupIds[0]]);
    expect(resources.map((r) => r.meta.resourceType)).toEqual(['User', 'User', 'User', 'Group', 'Group']);
    expect(resources[0]?.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    expect(resources[3]?.schemas).toEqual([GROUP_SCHEMA]);
    expect(resources[3]).toMatchObject({ displayName: 'S Eng', members: [{ value: userIds[0] }] });
  });

  it('pages across the boundary between users and groups', async () => {
    const page = (startIndex: number, count: number) =>
      search({ sortBy: 'displayName', startIndex, count, attributes: ['displayName'] });
    const across = await page(3, 2);
    expect(across.body).toMatchObject({ totalResults: 5, itemsPerPage: 2, startIndex: 3 });
    expect(across.body.Resources.map((r: { id: string }) => r.id)).toEqual([userIds[0], groupIds[1]]);
    const groupsOnly = await page(5, 10);
    expect(groupsOnly.body.Resources.map((r: { id: string }) => r.id)).toEqual([groupIds[0]]);
    expect((await page(6, 10)).body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
    expect((await page(1, 0)).body).toEqual({
      schemas: [LIST_RESPONSE],
      totalResults: 5,
      itemsPerPage: 0,
      startIndex: 1,
    });
  });

  it('an attribute one kind lacks matches nothing of that kind', async () => {
    const users = await search({ filter: 'userName sw "search-"' });
    expect(users.body.totalResults).toBe(3);
    expect(users.body.Resources.every((r: { meta: { resourceType: string } }) => r.meta.resourceType === 'User')).toBe(
      true,
    );
    const groups = await search({ filter: `members[value eq "${userIds[0]}"]` });
    expect(groups.body.Resources.map((r: { id: string }) => r.id).sort()).toEqual([...groupIds].sort());
  });

  it('meta.resourceType picks one kind', async () => {
    const res = await search({ filter: 'meta.resourceType eq "Group"', sortBy: 'displayName' });
    expect(res.body.totalResults).toBe(2);
    expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual([groupIds[1], groupIds[0]]);
    const users = await search({ filter: 'meta.resourceType eq "User" and displayName sw "S B"' });
    expect(users.body.Resources.map((r: { id: string }) => r.id)).toEqual([userIds[2]]);
    const none = await search({ filter: 'meta.resourceType eq "user"' });
    expect(none.body.totalResults).toBe(0);
  });

  it('refuses a sortBy that is invalid for one of the kinds', async () => {
    const res = await search({ sortBy: 'emails' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: 'invalidValue' });
  });
});

describe('bad SearchRequests', () => {
  it.each<[string, string, unknown]>([
    ['no schemas', 'invalidSyntax', { filter: 'userName pr' }],
    ['the ListResponse schema', 'invalidSyntax', { schemas: [LIST_RESPONSE] }],
    ['schemas as a string', 'invalidSyntax', { schemas: SEARCH }],
    ['an unknown member', 'invalidSyntax', { schemas: [SEARCH], filters: 'userName pr' }],
    ['a member given twice in two cases', 'invalidSyntax', { schemas: [SEARCH], count: 1, Count: 2 }],
    ['an array body', 'invalidSyntax', [{ schemas: [SEARCH] }]],
    ['a string body', 'invalidSyntax', '"search"'],
    ['count as a string', 'invalidValue', { schemas: [SEARCH], count: '10' }],
    ['startIndex as a fraction', 'invalidValue', { schemas: [SEARCH], startIndex: 1.5 }],
    ['filter as a number', 'invalidValue', { schemas: [SEARCH], filter: 1 }],
    ['attributes as a string', 'invalidValue', { schemas: [SEARCH], attributes: 'userName' }],
    ['attributes with a number', 'invalidValue', { schemas: [SEARCH], excludedAttributes: ['emails', 2] }],
    ['attributes with a comma', 'invalidValue', { schemas: [SEARCH], attributes: ['userName,emails'] }],
    ['a bad sortOrder', 'invalidValue', { schemas: [SEARCH], sortOrder: 'up' }],
    ['a bad filter', 'invalidFilter', { schemas: [SEARCH], filter: 'userName eq' }],
    ['a bad attribute name', 'invalidPath', { schemas: [SEARCH], attributes: ['__proto__'] }],
  ])('%s → 400 %s', async (_label, scimType, body) => {
    for (const path of ['/Users/.search', '/Groups/.search', '/.search']) {
      const res = await ctx.dir.scim.post(path, body);
      expect([path, res.status, res.body?.scimType]).toEqual([path, 400, scimType]);
    }
  });

  it('accepts null as absent and member names in any case', async () => {
    const res = await ctx.dir.scim.post('/Users/.search', {
      schemas: [SEARCH.toUpperCase()],
      Filter: 'title eq "Boss"',
      COUNT: 10,
      sortBy: null,
    });
    expect(res.status).toBe(200);
    expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual([userIds[1]]);
  });

  it('clamps huge integers like GET does', async () => {
    const res = await ctx.dir.scim.post('/Users/.search', { schemas: [SEARCH], startIndex: 1e300, count: 1e300 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
  });
});

describe('other methods on .search', () => {
  it.each([
    ['GET', '/Users/.search'],
    ['PUT', '/Groups/.search'],
    ['PATCH', '/Users/.search'],
    ['DELETE', '/Users/.search'],
    ['GET', '/.search'],
    ['PUT', '/.search'],
  ])('%s %s → 405', async (method, path) => {
    const res = await ctx.dir.scim.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
    expect(res.status).toBe(405);
    expect(res.body).toMatchObject({ status: '405' });
  });

  it('nothing lives under /.search', async () => {
    const res = await ctx.dir.scim.post('/.search/Users', { schemas: [SEARCH] });
    expect(res.status).toBe(404);
  });
});

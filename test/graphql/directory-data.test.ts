import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { errorCodes, graphql } from '../fixtures/graphql.js';
import { createTestDirectory, scimGroupBody, scimPatch, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
let dir: TestDirectory;
const ids: Record<string, string> = {};
beforeAll(async () => {
  t = await startTestApp();
  dir = await createTestDirectory(t.url, t.sandboxKey);
  for (const name of ['ann', 'ben', 'cat']) {
    ids[name] = (
      await dir.scim.post('/Users', scimUserBody({ userName: `${name}@corp.example`, displayName: `${name} Person` }))
    ).body.id;
  }
  await dir.scim.patch(`/Users/${ids['cat']}`, scimPatch({ op: 'replace', path: 'active', value: false }));
  ids['team'] = (
    await dir.scim.post(
      '/Groups',
      scimGroupBody({ displayName: 'Team', members: [{ value: ids['ann'] }, { value: ids['ben'] }] }),
    )
  ).body.id;
});
afterAll(async () => {
  await t.close();
});

const USERS = `query($directoryId: ID!, $filter: DirectoryUserFilter, $first: Int, $after: String) {
  directoryUsers(directoryId: $directoryId, filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { id userName email firstName lastName displayName state version directoryId } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('directoryUsers', () => {
  it('lists the users with their normalized fields', async () => {
    const res = await graphql(t.url, t.sandboxKey, USERS, { directoryId: dir.directoryId });
    expect(res.data?.['directoryUsers'].totalCount).toBe(3);
    expect(res.data?.['directoryUsers'].edges[0].node).toEqual({
      id: ids['ann'],
      userName: 'ann@corp.example',
      email: 'ann@corp.example',
      firstName: 'Ada',
      lastName: 'Lovelace',
      displayName: 'ann Person',
      state: 'ACTIVE',
      version: 1,
      directoryId: dir.directoryId,
    });
  });

  it.each([
    [{ state: 'INACTIVE' }, ['cat']],
    [{ email: 'BEN@corp.example' }, ['ben']],
    [{ userName: 'Ann@Corp.Example' }, ['ann']],
    [{ search: 'PERSON' }, ['ann', 'ben', 'cat']],
    [{ search: 'be' }, ['ben']],
  ])('filters by %j', async (filter, expected) => {
    const res = await graphql(t.url, t.sandboxKey, USERS, { directoryId: dir.directoryId, filter });
    expect(res.data?.['directoryUsers'].edges.map((e: any) => e.node.id)).toEqual(expected.map((name) => ids[name]));
  });

  it('pages with cursors', async () => {
    const first = await graphql(t.url, t.sandboxKey, USERS, { directoryId: dir.directoryId, first: 2 });
    expect(first.data?.['directoryUsers'].pageInfo.hasNextPage).toBe(true);
    const next = await graphql(t.url, t.sandboxKey, USERS, {
      directoryId: dir.directoryId,
      first: 2,
      after: first.data?.['directoryUsers'].pageInfo.endCursor,
    });
    expect(next.data?.['directoryUsers'].edges.map((e: any) => e.node.id)).toEqual([ids['cat']]);
  });

  it('is NOT_FOUND for a directory of another environment', async () => {
    const res = await graphql(t.url, t.productionKey, USERS, { directoryId: dir.directoryId });
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
  });
});

describe('directoryUser / directoryGroup', () => {
  it('reads a user with its groups and raw SCIM resource', async () => {
    const res = await graphql(
      t.url,
      t.sandboxKey,
      `
        query ($id: ID!) {
          directoryUser(id: $id) {
            userName
            raw
            groups {
              totalCount
              edges {
                node {
                  id
                  displayName
                }
              }
            }
          }
        }
      `,
      {
        id: ids['ann'],
      },
    );
    expect(res.data?.['directoryUser']).toMatchObject({
      userName: 'ann@corp.example',
      raw: expect.objectContaining({
        userName: 'ann@corp.example',
        name: { givenName: 'Ada', familyName: 'Lovelace' },
      }),
      groups: { totalCount: 1, edges: [{ node: { id: ids['team'], displayName: 'Team' } }] },
    });
  });

  it('reads a group with its members', async () => {
    const res = await graphql(
      t.url,
      t.sandboxKey,
      `
        query ($id: ID!) {
          directoryGroup(id: $id) {
            displayName
            members(first: 10) {
              totalCount
              edges {
                node {
                  userName
                }
              }
            }
          }
        }
      `,
      {
        id: ids['team'],
      },
    );
    expect(res.data?.['directoryGroup']).toEqual({
      displayName: 'Team',
      members: {
        totalCount: 2,
        edges: [{ node: { userName: 'ann@corp.example' } }, { node: { userName: 'ben@corp.example' } }],
      },
    });
  });

  it('lists groups filtered by displayName', async () => {
    const res = await graphql(
      t.url,
      t.sandboxKey,
      `
        query ($d: ID!) {
          directoryGroups(directoryId: $d, filter: { displayName: "team" }) {
            totalCount
            edges {
              node {
                id
              }
            }
          }
        }
      `,
      {
        d: dir.directoryId,
      },
    );
    expect(res.data?.['directoryGroups']).toEqual({ totalCount: 1, edges: [{ node: { id: ids['team'] } }] });
  });

  it('is NOT_FOUND across environments and for unknown ids', async () => {
    for (const [key, query] of [
      [t.productionKey, `query($id: ID!) { directoryUser(id: $id) { id } }`],
      [t.productionKey, `query($id: ID!) { directoryGroup(id: $id) { id } }`],
    ] as const) {
      expect(
        errorCodes(
          await graphql(t.url, key, query, { id: query.includes('directoryUser') ? ids['ann'] : ids['team'] }),
        ),
      ).toEqual(['NOT_FOUND']);
    }
    expect(
      errorCodes(
        await graphql(
          t.url,
          t.sandboxKey,
          `
            query ($id: ID!) {
              directoryUser(id: $id) {
                id
              }
            }
          `,
          { id: 'nope' },
        ),
      ),
    ).toEqual(['NOT_FOUND']);
  });
});

describe('nested connections', () => {
  const NESTED = `query($d: ID!, $first: Int, $after: String) {
    directoryUsers(directoryId: $d, first: 50) { edges { node { userName groups(first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { displayName } } } } } }
  }`;

  it('page the groups of every user with the same cursors as top-level lists', async () => {
    const other = await createTestDirectory(t.url, t.sandboxKey);
    const user = (await other.scim.post('/Users', scimUserBody())).body.id;
    for (const name of ['G1', 'G2', 'G3'])
      await other.scim.post('/Groups', scimGroupBody({ displayName: name, members: [{ value: user }] }));
    const first = await graphql(t.url, t.sandboxKey, NESTED, { d: other.directoryId, first: 2 });
    const groups = first.data?.['directoryUsers'].edges[0].node.groups;
    expect(groups).toMatchObject({
      totalCount: 3,
      pageInfo: { hasNextPage: true, hasPreviousPage: false },
      edges: [{ node: { displayName: 'G1' } }, { node: { displayName: 'G2' } }],
    });
    const next = await graphql(t.url, t.sandboxKey, NESTED, {
      d: other.directoryId,
      first: 2,
      after: groups.pageInfo.endCursor,
    });
    expect(next.data?.['directoryUsers'].edges[0].node.groups).toMatchObject({
      totalCount: 3,
      pageInfo: { hasNextPage: false, hasPreviousPage: true },
      edges: [{ node: { displayName: 'G3' } }],
    });
  });

  it('cost the same number of SQL statements for 2 and for 12 users with groups (no N+1)', async () => {
    const measure = async (users: number) => {
      const other = await createTestDirectory(t.url, t.sandboxKey);
      const ids: string[] = [];
      for (let i = 0; i < users; i++) ids.push((await other.scim.post('/Users', scimUserBody())).body.id);
      await other.scim.post('/Groups', scimGroupBody({ members: ids.map((value) => ({ value })) }));
      const query = `query($d: ID!) {
        directoryUsers(directoryId: $d, first: 50) { edges { node { groups { totalCount edges { node { members(first: 5) { totalCount edges { node { id } } } } } } } } }
      }`;
      await graphql(t.url, t.sandboxKey, '{ viewer { apiKey { id } } }');
      const before = t.queries.length;
      const res = await graphql(t.url, t.sandboxKey, query, { d: other.directoryId });
      expect(res.errors).toBeUndefined();
      expect(res.data?.['directoryUsers'].edges).toHaveLength(users);
      return t.queries.slice(before).filter((q) => /\b(select|insert|update|delete)\b/i.test(q)).length;
    };
    expect(await measure(12)).toBe(await measure(2));
  });
});

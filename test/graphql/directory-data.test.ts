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
    ids[name] = (await dir.scim.post('/Users', scimUserBody({ userName: `${name}@corp.example`, displayName: `${name} Person` }))).body.id;
  }
  await dir.scim.patch(`/Users/${ids['cat']}`, scimPatch({ op: 'replace', path: 'active', value: false }));
  ids['team'] = (await dir.scim.post('/Groups', scimGroupBody({ displayName: 'Team', members: [{ value: ids['ann'] }, { value: ids['ben'] }] }))).body.id;
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
    const next = await graphql(t.url, t.sandboxKey, USERS, { directoryId: dir.directoryId, first: 2, after: first.data?.['directoryUsers'].pageInfo.endCursor });
    expect(next.data?.['directoryUsers'].edges.map((e: any) => e.node.id)).toEqual([ids['cat']]);
  });

  it('is NOT_FOUND for a directory of another environment', async () => {
    const res = await graphql(t.url, t.productionKey, USERS, { directoryId: dir.directoryId });
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
  });
});

describe('directoryUser / directoryGroup', () => {
  it('reads a user with its groups and raw SCIM resource', async () => {
    const res = await graphql(t.url, t.sandboxKey, `query($id: ID!) { directoryUser(id: $id) { userName raw groups { totalCount edges { node { id displayName } } } } }`, {
      id: ids['ann'],
    });
    expect(res.data?.['directoryUser']).toMatchObject({
      userName: 'ann@corp.example',
      raw: expect.objectContaining({ userName: 'ann@corp.example', name: { givenName: 'Ada', familyName: 'Lovelace' } }),
      groups: { totalCount: 1, edges: [{ node: { id: ids['team'], displayName: 'Team' } }] },
    });
  });

  it('reads a group with its members', async () => {
    const res = await graphql(t.url, t.sandboxKey, `query($id: ID!) { directoryGroup(id: $id) { displayName members(first: 10) { totalCount edges { node { userName } } } } }`, {
      id: ids['team'],
    });
    expect(res.data?.['directoryGroup']).toEqual({
      displayName: 'Team',
      members: { totalCount: 2, edges: [{ node: { userName: 'ann@corp.example' } }, { node: { userName: 'ben@corp.example' } }] },
    });
  });

  it('lists groups filtered by displayName', async () => {
    const res = await graphql(t.url, t.sandboxKey, `query($d: ID!) { directoryGroups(directoryId: $d, filter: { displayName: "team" }) { totalCount edges { node { id } } } }`, {
      d: dir.directoryId,
    });
    expect(res.data?.['directoryGroups']).toEqual({ totalCount: 1, edges: [{ node: { id: ids['team'] } }] });
  });

  it('is NOT_FOUND across environments and for unknown ids', async () => {
    for (const [key, query] of [
      [t.productionKey, `query($id: ID!) { directoryUser(id: $id) { id } }`],
      [t.productionKey, `query($id: ID!) { directoryGroup(id: $id) { id } }`],
    ] as const) {
      expect(errorCodes(await graphql(t.url, key, query, { id: query.includes('directoryUser') ? ids['ann'] : ids['team'] }))).toEqual(['NOT_FOUND']);
    }
    expect(errorCodes(await graphql(t.url, t.sandboxKey, `query($id: ID!) { directoryUser(id: $id) { id } }`, { id: 'nope' }))).toEqual(['NOT_FOUND']);
  });
});

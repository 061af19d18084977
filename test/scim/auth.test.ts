import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { graphql } from '../fixtures/graphql.js';
import { createTestDirectory, ERROR, scimClient, scimUserBody } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const unauthorized = { schemas: [ERROR], status: '401', detail: expect.any(String) };

describe('SCIM bearer authentication', () => {
  it.each([
    ['no token', undefined],
    ['a wrong token', 'dst_wrongwrongwrongwrongwrongwrongwrongwrongwro'],
    ['an API key', 'dsk_sandbox_x'],
  ])('answers 401 with a SCIM error for %s, and changes nothing', async (_name, token) => {
    const dir = await createTestDirectory(t.url, t.sandboxKey);
    const client = scimClient(dir.scim.base, token);
    for (const res of [await client.get('/Users'), await client.post('/Users', scimUserBody())]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual(unauthorized);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.headers.get('content-type')).toContain('application/scim+json');
    }
    expect((await dir.scim.get('/Users')).body.totalResults).toBe(0);
  });

  it("refuses directory A's token on directory B's URL", async () => {
    const a = await createTestDirectory(t.url, t.sandboxKey);
    const b = await createTestDirectory(t.url, t.sandboxKey);
    const res = await scimClient(b.scim.base, a.token).get('/Users');
    expect(res.status).toBe(401);
  });

  it('answers a deleted or unknown directory with 401, never 200 {}', async () => {
    const dir = await createTestDirectory(t.url, t.sandboxKey);
    await graphql(
      t.url,
      t.sandboxKey,
      `
        mutation ($id: ID!) {
          deleteDirectory(id: $id)
        }
      `,
      { id: dir.directoryId },
    );
    const deleted = await dir.scim.get('/Users');
    expect(deleted).toMatchObject({ status: 401, body: unauthorized });
    const unknown = await scimClient(`${t.url}/scim/v2/00000000-0000-7000-8000-000000000000`, dir.token).get('/Users');
    expect(unknown).toMatchObject({ status: 401, body: unauthorized });
    const garbage = await scimClient(`${t.url}/scim/v2/not-a-uuid`, dir.token).get('/Users');
    expect(garbage.status).toBe(401);
  });

  it('activates a pending directory on its first authenticated request and records lastSyncAt', async () => {
    const dir = await createTestDirectory(t.url, t.sandboxKey);
    const read = () =>
      graphql(
        t.url,
        t.sandboxKey,
        `
          query ($id: ID!) {
            directory(id: $id) {
              state
              lastSyncAt
            }
          }
        `,
        { id: dir.directoryId },
      );
    expect((await read()).data?.['directory']).toEqual({ state: 'PENDING', lastSyncAt: null });
    await scimClient(dir.scim.base, 'dst_wrong').get('/Users');
    expect((await read()).data?.['directory']).toEqual({ state: 'PENDING', lastSyncAt: null });
    await dir.scim.get('/Users?filter=userName%20eq%20%22probe%22');
    expect((await read()).data?.['directory']).toEqual({ state: 'ACTIVE', lastSyncAt: expect.any(String) });
  });
});

describe('/org/{domain}/scim/v2 alias', () => {
  it('serves the only directory of the organization with that domain', async () => {
    const dir = await createTestDirectory(t.url, t.sandboxKey);
    const alias = scimClient(`${t.url}/org/${dir.organizationDomain.toUpperCase()}/scim/v2`, dir.token);
    const created = await alias.post('/Users', scimUserBody());
    expect(created.status).toBe(201);
    expect(created.body.meta.location).toBe(
      `https://dsync.test/org/${dir.organizationDomain.toUpperCase()}/scim/v2/Users/${created.body.id}`,
    );
    expect((await dir.scim.get(`/Users/${created.body.id}`)).status).toBe(200);
  });

  it('refuses a token of another organization and an organization with two directories', async () => {
    const a = await createTestDirectory(t.url, t.sandboxKey);
    const b = await createTestDirectory(t.url, t.sandboxKey);
    expect((await scimClient(`${t.url}/org/${a.organizationDomain}/scim/v2`, b.token).get('/Users')).status).toBe(401);
    await graphql(
      t.url,
      t.sandboxKey,
      `
        mutation ($input: CreateDirectoryInput!) {
          createDirectory(input: $input) {
            token
          }
        }
      `,
      {
        input: { organizationId: a.organizationId, name: 'second', provider: 'OKTA' },
      },
    );
    expect((await scimClient(`${t.url}/org/${a.organizationDomain}/scim/v2`, a.token).get('/Users')).status).toBe(401);
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { CREATE_DIRECTORY, createDirectoryAs, createOrganizationAs, errorCodes, graphql } from '../fixtures/graphql.js';
import { scimClient } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const DIRECTORY = `query($id: ID!) { directory(id: $id) { id name provider state tokenPrefix scimBaseUrl lastSyncAt organization { id name } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateDirectoryInput!) { updateDirectory(id: $id, input: $input) { token directory { id name provider tokenPrefix } } }`;
const ROTATE = `mutation($id: ID!) { rotateDirectoryToken(id: $id) { token directory { id tokenPrefix } } }`;
const DELETE = `mutation($id: ID!) { deleteDirectory(id: $id) }`;

async function storedTokenHash(directoryId: string): Promise<string> {
  const rows = await t.app.orm.em
    .fork()
    .getConnection()
    .execute<{ token_hash: string }[]>('select token_hash from directories where id = ?', [directoryId]);
  return rows[0]?.token_hash ?? '';
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Status of an authenticated SCIM discovery request: 200 when the token is accepted, 401 when not. */
async function scimStatus(base: string, token: string): Promise<number> {
  return (await scimClient(base, token).get('/ServiceProviderConfig')).status;
}

describe('createDirectory', () => {
  it('returns the directory with its SCIM base URL and a token shown once, stored only as a hash', async () => {
    const org = await createOrganizationAs(t.url, t.sandboxKey);
    const res = await graphql(t.url, t.sandboxKey, CREATE_DIRECTORY, {
      input: { organizationId: org.id, name: 'Okta prod', provider: 'OKTA' },
    });
    expect(res.errors).toBeUndefined();
    const { token, directory } = res.data!['createDirectory'];
    expect(token).toMatch(/^dst_[A-Za-z0-9_-]{43}$/);
    expect(directory).toEqual({
      id: expect.any(String),
      name: 'Okta prod',
      provider: 'OKTA',
      state: 'PENDING',
      scimBaseUrl: `https://dsync.test/scim/v2/${directory.id}`,
      tokenPrefix: token.slice(0, 8),
      lastSyncAt: null,
      organization: { id: org.id },
    });
    expect(await storedTokenHash(directory.id)).toBe(sha256(token));
    const read = await graphql(t.url, t.sandboxKey, DIRECTORY, { id: directory.id });
    expect(JSON.stringify(read.data)).not.toContain(token);
    expect(read.data?.['directory'].organization).toEqual({ id: org.id, name: org.name });
  });

  it('gives a token that the SCIM endpoint of that directory accepts, and no other', async () => {
    const org = await createOrganizationAs(t.url, t.sandboxKey);
    const a = await createDirectoryAs(t.url, t.sandboxKey, org.id);
    const b = await createDirectoryAs(t.url, t.sandboxKey, org.id);
    expect(await scimStatus(a.directory.scimBaseUrl.replace('https://dsync.test', t.url), a.token)).toBe(200);
    const crossed = await scimClient(`${t.url}/scim/v2/${b.directory.id}`, a.token).get('/Users');
    expect(crossed.status).toBe(401);
    expect(crossed.headers.get('content-type')).toContain('application/scim+json');
    expect(crossed.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '401',
      detail: expect.any(String),
    });
  });

  it('returns NOT_FOUND for an organization of another environment and creates nothing', async () => {
    const foreign = await createOrganizationAs(t.url, t.productionKey);
    const res = await graphql(t.url, t.sandboxKey, CREATE_DIRECTORY, {
      input: { organizationId: foreign.id, name: 'X', provider: 'OKTA' },
    });
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    const org = await graphql(
      t.url,
      t.productionKey,
      `
        query ($id: ID!) {
          organization(id: $id) {
            directories {
              totalCount
            }
          }
        }
      `,
      { id: foreign.id },
    );
    expect(org.data?.['organization'].directories.totalCount).toBe(0);
  });

  it.each([[{ name: '', provider: 'OKTA' }], [{ name: 'x', provider: 'MYSPACE' }]])(
    'rejects %j with BAD_USER_INPUT',
    async (input) => {
      const org = await createOrganizationAs(t.url, t.sandboxKey);
      const res = await graphql(t.url, t.sandboxKey, CREATE_DIRECTORY, { input: { organizationId: org.id, ...input } });
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    },
  );
});

describe('updateDirectory / rotateDirectoryToken', () => {
  it('renames without touching the token', async () => {
    const org = await createOrganizationAs(t.url, t.sandboxKey);
    const dir = await createDirectoryAs(t.url, t.sandboxKey, org.id);
    const res = await graphql(t.url, t.sandboxKey, UPDATE, {
      id: dir.directory.id,
      input: { name: 'Renamed', provider: 'OKTA' },
    });
    expect(res.data?.['updateDirectory']).toEqual({
      token: null,
      directory: { id: dir.directory.id, name: 'Renamed', provider: 'OKTA', tokenPrefix: dir.directory.tokenPrefix },
    });
    expect(await scimStatus(`${t.url}/scim/v2/${dir.directory.id}`, dir.token)).toBe(200);
  });

  it('issues a new token when the provider changes; the old one stops working at once', async () => {
    const org = await createOrganizationAs(t.url, t.sandboxKey);
    const dir = await createDirectoryAs(t.url, t.sandboxKey, org.id, 'OKTA');
    const res = await graphql(t.url, t.sandboxKey, UPDATE, { id: dir.directory.id, input: { provider: 'ENTRA_ID' } });
    const { token, directory } = res.data!['updateDirectory'];
    expect(directory.provider).toBe('ENTRA_ID');
    expect(token).toMatch(/^dst_/);
    expect(token).not.toBe(dir.token);
    const base = `${t.url}/scim/v2/${dir.directory.id}`;
    expect(await scimStatus(base, dir.token)).toBe(401);
    expect(await scimStatus(base, token)).toBe(200);
  });

  it('rotates the token: the new one works, the old one is refused', async () => {
    const org = await createOrganizationAs(t.url, t.sandboxKey);
    const dir = await createDirectoryAs(t.url, t.sandboxKey, org.id);
    const res = await graphql(t.url, t.sandboxKey, ROTATE, { id: dir.directory.id });
    const rotated = res.data?.['rotateDirectoryToken'];
    expect(rotated.directory.tokenPrefix).toBe(rotated.token.slice(0, 8));
    expect(await storedTokenHash(dir.directory.id)).toBe(sha256(rotated.token));
    const base = `${t.url}/scim/v2/${dir.directory.id}`;
    expect(await scimStatus(base, dir.token)).toBe(401);
    expect(await scimStatus(base, rotated.token)).toBe(200);
  });

  it.each(['update', 'rotate', 'delete', 'read'])(
    'returns NOT_FOUND to %s a directory of another environment',
    async (action) => {
      const org = await createOrganizationAs(t.url, t.productionKey);
      const dir = await createDirectoryAs(t.url, t.productionKey, org.id);
      const id = dir.directory.id;
      const res = await graphql(
        t.url,
        t.sandboxKey,
        { update: UPDATE, rotate: ROTATE, delete: DELETE, read: DIRECTORY }[action] ?? '',
        {
          id,
          ...(action === 'update' ? { input: { provider: 'PING' } } : {}),
        },
      );
      expect(errorCodes(res)).toEqual(['NOT_FOUND']);
      expect(await scimStatus(`${t.url}/scim/v2/${id}`, dir.token)).toBe(200);
    },
  );
});

describe('deleteDirectory', () => {
  it('deletes the directory; its token is refused afterwards', async () => {
    const org = await createOrganizationAs(t.url, t.sandboxKey);
    const dir = await createDirectoryAs(t.url, t.sandboxKey, org.id);
    expect((await graphql(t.url, t.sandboxKey, DELETE, { id: dir.directory.id })).data).toEqual({
      deleteDirectory: dir.directory.id,
    });
    expect(errorCodes(await graphql(t.url, t.sandboxKey, DIRECTORY, { id: dir.directory.id }))).toEqual(['NOT_FOUND']);
    expect(await scimStatus(`${t.url}/scim/v2/${dir.directory.id}`, dir.token)).toBe(401);
    expect(errorCodes(await graphql(t.url, t.sandboxKey, DELETE, { id: dir.directory.id }))).toEqual(['NOT_FOUND']);
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createOrganizationAs, errorCodes, graphql } from '../fixtures/graphql.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const VIEWER = `{ viewer { environment { id name } apiKey { id name prefix revokedAt } } }`;
const CREATE = `mutation($name: String!) { createApiKey(name: $name) { secret apiKey { id name prefix lastUsedAt revokedAt createdAt } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`;
const LIST = `query($first: Int, $after: String) { apiKeys(first: $first, after: $after) { totalCount edges { node { id name prefix revokedAt } } pageInfo { hasNextPage endCursor } } }`;

describe('createApiKey', () => {
  it('returns a dsk_<environment>_ secret once and stores only its SHA-256', async () => {
    const res = await graphql(t.url, t.productionKey, CREATE, { name: 'CI deploys' });
    const { secret, apiKey } = res.data!['createApiKey'];
    expect(secret).toMatch(/^dsk_production_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toEqual({
      id: expect.any(String),
      name: 'CI deploys',
      prefix: secret.slice(0, 'dsk_production_'.length + 4),
      lastUsedAt: null,
      revokedAt: null,
      createdAt: expect.any(String),
    });
    const rows = await t.app.orm.em.fork().getConnection().execute('select * from api_keys where id = ?', [apiKey.id]);
    expect(rows[0]?.['secret_hash']).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(secret);

    const viewer = await graphql(t.url, secret, VIEWER);
    expect(viewer.data?.['viewer']).toMatchObject({
      environment: { name: 'production' },
      apiKey: { id: apiKey.id, name: 'CI deploys' },
    });
  });

  it('rejects an empty name with BAD_USER_INPUT', async () => {
    expect(errorCodes(await graphql(t.url, t.sandboxKey, CREATE, { name: '  ' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('records when a key was last used', async () => {
    const { secret, apiKey } = (await graphql(t.url, t.sandboxKey, CREATE, { name: 'used' })).data!['createApiKey'];
    await graphql(t.url, secret, VIEWER);
    const list = await graphql(
      t.url,
      t.sandboxKey,
      `
        {
          apiKeys(first: 100) {
            edges {
              node {
                id
                lastUsedAt
              }
            }
          }
        }
      `,
    );
    const node = list.data?.['apiKeys'].edges.find((e: any) => e.node.id === apiKey.id)?.node;
    expect(Date.parse(node.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('revokeApiKey', () => {
  it('stops the key from working on the very next request, and is idempotent', async () => {
    const { secret, apiKey } = (await graphql(t.url, t.sandboxKey, CREATE, { name: 'short-lived' })).data![
      'createApiKey'
    ];
    expect((await graphql(t.url, secret, VIEWER)).status).toBe(200);
    const revoked = await graphql(t.url, t.sandboxKey, REVOKE, { id: apiKey.id });
    expect(revoked.data?.['revokeApiKey']).toEqual({ id: apiKey.id, revokedAt: expect.any(String) });
    const refused = await graphql(t.url, secret, VIEWER);
    expect(refused.status).toBe(401);
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    const again = await graphql(t.url, t.sandboxKey, REVOKE, { id: apiKey.id });
    expect(again.data?.['revokeApiKey'].revokedAt).toBe(revoked.data?.['revokeApiKey'].revokedAt);
  });

  it('returns NOT_FOUND for a key of another environment, which keeps working', async () => {
    const { secret, apiKey } = (await graphql(t.url, t.productionKey, CREATE, { name: 'prod' })).data!['createApiKey'];
    expect(errorCodes(await graphql(t.url, t.sandboxKey, REVOKE, { id: apiKey.id }))).toEqual(['NOT_FOUND']);
    expect((await graphql(t.url, secret, VIEWER)).data?.['viewer'].apiKey.id).toBe(apiKey.id);
  });
});

describe('apiKeys', () => {
  it('lists only the keys of the caller environment, revoked ones included, with paging', async () => {
    const created = (await graphql(t.url, t.sandboxKey, CREATE, { name: 'to list' })).data?.['createApiKey'].apiKey;
    await graphql(t.url, t.sandboxKey, REVOKE, { id: created.id });
    const all: any[] = [];
    let after: string | null = null;
    do {
      const res: any = await graphql(t.url, t.sandboxKey, LIST, { first: 2, after });
      all.push(...res.data.apiKeys.edges.map((e: any) => e.node));
      after = res.data.apiKeys.pageInfo.hasNextPage ? res.data.apiKeys.pageInfo.endCursor : null;
    } while (after);
    expect(all.every((key) => key.prefix.startsWith('dsk_sandbox_'))).toBe(true);
    expect(all.find((key) => key.id === created.id)).toMatchObject({ name: 'to list', revokedAt: expect.any(String) });
  });
});

describe('authentication', () => {
  const cases: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['an unknown key', { authorization: 'Bearer dsk_sandbox_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
    ['a malformed header', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['a directory token', { authorization: 'Bearer dst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }],
  ];
  it.each(cases)('answers 401 UNAUTHENTICATED for %s, for queries and mutations alike', async (_name, headers) => {
    for (const query of [VIEWER, `mutation { createApiKey(name: "sneaky") { secret } }`]) {
      const response = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query }),
      });
      expect(response.status).toBe(401);
      const body = (await response.json()) as any;
      expect(body.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
      expect(body.data).toBeUndefined();
    }
    const keys = await graphql(
      t.url,
      t.sandboxKey,
      `
        {
          apiKeys(first: 100) {
            edges {
              node {
                name
              }
            }
          }
        }
      `,
    );
    expect(JSON.stringify(keys.data)).not.toContain('sneaky');
  });

  it('scopes everything to the key environment: viewer, lists and ids', async () => {
    const sandbox = await graphql(t.url, t.sandboxKey, VIEWER);
    const production = await graphql(t.url, t.productionKey, VIEWER);
    expect(sandbox.data?.['viewer'].environment.name).toBe('sandbox');
    expect(production.data?.['viewer'].environment.name).toBe('production');
    const org = await createOrganizationAs(t.url, t.productionKey);
    expect(
      errorCodes(
        await graphql(
          t.url,
          t.sandboxKey,
          `
            query ($id: ID!) {
              organization(id: $id) {
                id
              }
            }
          `,
          { id: org.id },
        ),
      ),
    ).toEqual(['NOT_FOUND']);
  });
});

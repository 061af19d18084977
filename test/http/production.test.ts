import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { errorCodes, graphql } from '../fixtures/graphql.js';
import { startTestApp, type TestApp } from '../setup/app.js';

const INTROSPECTION = '{ __schema { queryType { name } } }';

describe('NODE_ENV=production', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('disables introspection', async () => {
    const res = await graphql(t.url, t.sandboxKey, INTROSPECTION);
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('hides stack traces', async () => {
    const res = await graphql(
      t.url,
      t.sandboxKey,
      `
        query ($id: ID!) {
          organization(id: $id) {
            id
          }
        }
      `,
      { id: 'nope' },
    );
    expect(res.errors).toEqual([
      {
        message: 'Organization "nope" not found',
        locations: expect.any(Array),
        path: ['organization'],
        extensions: { code: 'NOT_FOUND' },
      },
    ]);
    const unauthenticated = await graphql(t.url, undefined, '{ viewer { apiKey { id } } }');
    expect(unauthenticated.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    // Apollo's own errors carry a stack trace outside production (see the development case below).
    const invalid = await graphql(t.url, t.sandboxKey, '{ nope }');
    expect(invalid.errors?.map((error) => error.extensions)).toEqual([{ code: 'GRAPHQL_VALIDATION_FAILED' }]);
  });
});

describe('NODE_ENV=development', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'development' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows stack traces (so the production case above has something to hide)', async () => {
    const invalid = await graphql(t.url, t.sandboxKey, '{ nope }');
    expect(invalid.errors?.[0]?.extensions).toEqual({
      code: 'GRAPHQL_VALIDATION_FAILED',
      stacktrace: expect.any(Array),
    });
  });
});

describe('NODE_ENV=production with GRAPHQL_INTROSPECTION=true', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('allows introspection', async () => {
    const res = await graphql(t.url, t.sandboxKey, INTROSPECTION);
    expect(res.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

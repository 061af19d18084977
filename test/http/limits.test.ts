import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { errorCodes, graphql } from '../fixtures/graphql.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ GRAPHQL_MAX_COMPLEXITY: '40', GRAPHQL_MAX_DEPTH: '4' });
});
afterAll(async () => {
  await t.close();
});

describe('GRAPHQL_MAX_COMPLEXITY and GRAPHQL_MAX_DEPTH', () => {
  it('accept a cheap query', async () => {
    const res = await graphql(t.url, t.sandboxKey, '{ viewer { environment { name } } }');
    expect(res.data).toEqual({ viewer: { environment: { name: 'sandbox' } } });
  });

  it('reject a query over the cost limit before running it', async () => {
    const wide = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: organizations { totalCount }`).join(' ')} }`;
    const res = await graphql(t.url, t.sandboxKey, wide);
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.errors?.[0]?.message).toMatch(/Cost limit of 40 exceeded/);
  });

  it('reject a query over the depth limit', async () => {
    const res = await graphql(
      t.url,
      t.sandboxKey,
      '{ organizations { edges { node { directories { totalCount } } } } }',
    );
    expect(res.errors?.[0]?.message).toMatch(/depth limit of 4 exceeded/);
  });
});

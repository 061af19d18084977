import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createDirectoryAs, createOrganizationAs, graphql, uniq } from '../fixtures/graphql.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const NESTED = `query($filter: OrganizationFilter) {
  organizations(first: 50, filter: $filter) {
    edges { node { id directories { edges { node { id organization { id name } } } } } }
  }
}`;

async function statementsFor(tag: string): Promise<number> {
  const before = t.queries.length;
  const res = await graphql(t.url, t.sandboxKey, NESTED, { filter: { name: tag } });
  expect(res.errors).toBeUndefined();
  return t.queries.slice(before).filter((q) => /\b(select|insert|update|delete)\b/i.test(q)).length;
}

describe('organizations with nested directories', () => {
  it('costs the same number of SQL statements for 2 and for 12 organizations (no N+1)', async () => {
    const seed = async (tag: string, count: number) => {
      for (let i = 0; i < count; i++) {
        const org = await createOrganizationAs(t.url, t.sandboxKey, { name: `${tag} ${i}` });
        await createDirectoryAs(t.url, t.sandboxKey, org.id);
        await createDirectoryAs(t.url, t.sandboxKey, org.id);
      }
    };
    const small = uniq('small');
    const large = uniq('large');
    await seed(small, 2);
    await seed(large, 12);
    await graphql(t.url, t.sandboxKey, '{ viewer { apiKey { id } } }'); // settle lastUsedAt
    const forSmall = await statementsFor(small);
    const forLarge = await statementsFor(large);
    expect(forLarge).toBe(forSmall);
    // key lookup, page, count, directories of all organizations, organizations by id
    expect(forLarge).toBeLessThanOrEqual(5);
  });
});

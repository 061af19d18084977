import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getIntrospectionQuery } from 'graphql';

import { connectedClient, subscriptionErrors } from '../fixtures/events.js';
import { errorCodes, graphql } from '../fixtures/graphql.js';
import { withDeadline } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// Introspection is free of the cost limit (tools must load the schema) but bounded by the schema's own size:
// aliased introspection fields under aliased roots once answered 263 MB from a 2.7 KB query.

/** `copies` aliased `__schema` roots, each with `k` aliased `fields` nested through fragments. */
function amplified(copies: number, k: number): string {
  const roots = Array.from({ length: copies }, (_, i) => `s${i}: __schema { types { ...M } }`).join(' ');
  const inner = Array.from({ length: k }, (_, i) => `g${i}: fields { name }`).join(' ');
  const outer = Array.from({ length: k }, (_, i) => `f${i}: fields { t: type { ...L } }`).join(' ');
  return `{ ${roots} } fragment L on __Type { ${inner} } fragment M on __Type { ${outer} }`;
}

describe('introspection limits (development: introspection on)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers the standard introspection query (what GraphiQL and Apollo Sandbox send)', async () => {
    const res = await graphql(t.url, t.sandboxKey, getIntrospectionQuery());
    expect(res.errors).toBeUndefined();
    expect((res.data as { __schema: { types: unknown[] } }).__schema.types.length).toBeGreaterThan(20);
  });

  it.each([
    ['aliased introspection fields', amplified(1, 40)],
    ['two __schema roots', '{ a: __schema { queryType { name } } b: __schema { queryType { name } } }'],
    ['two __type roots', '{ a: __type(name: "Query") { name } b: __type(name: "Event") { name } }'],
  ])('refuses %s before running them, over HTTP and graphql-ws', async (_case, query) => {
    const res = await graphql(t.url, t.sandboxKey, query);
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.errors?.[0]?.message).toMatch(/^Introspection limit: /);
    const client = await connectedClient(t.url, t.sandboxKey);
    try {
      const errors = (await withDeadline(subscriptionErrors(client, query), { what: 'the graphql-ws refusal' })) as {
        message: string;
      }[];
      expect(errors.map((error) => error.message)).toEqual([expect.stringMatching(/^Introspection limit: /)]);
    } finally {
      await client.dispose();
    }
  });
});

describe('documents too deep to measure', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('a chain of 2,000 fragments is refused as too deep (400), not a 500', async () => {
    const chain = Array.from({ length: 2_000 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} }`).join(' ');
    const res = await graphql(
      t.url,
      t.sandboxKey,
      `
        {
          ...F0
        }
        ${chain}
        fragment F2000 on Query {
          __typename
        }
      `,
    );
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(res.errors?.[0]?.message).toMatch(/depth limit/);
  });
});

describe('introspection off (GRAPHQL_INTROSPECTION=false)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ GRAPHQL_INTROSPECTION: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('is refused over graphql-ws as over HTTP', async () => {
    const query = '{ __schema { queryType { name } } }';
    expect(errorCodes(await graphql(t.url, t.sandboxKey, query))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const client = await connectedClient(t.url, t.sandboxKey);
    try {
      const errors = (await withDeadline(subscriptionErrors(client, query), { what: 'the graphql-ws refusal' })) as {
        message: string;
      }[];
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((error) => /introspection has been disabled/.test(error.message))).toBe(true);
    } finally {
      await client.dispose();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { connectedClient, subscriptionErrors } from '../fixtures/events.js';
import { errorCodes, graphql } from '../fixtures/graphql.js';
import { createTestDirectory, scimGroupBody, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { withDeadline } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// Default limits (GRAPHQL_MAX_COMPLEXITY 50,000): the cost is computed with the operation's variables.

let t: TestApp;
let dir: TestDirectory;
beforeAll(async () => {
  t = await startTestApp();
  dir = await createTestDirectory(t.url, t.sandboxKey);
  const users: { value: string }[] = [];
  for (let i = 0; i < 3; i++)
    users.push({ value: (await dir.scim.post('/Users', scimUserBody())).body['id'] as string });
  for (let i = 0; i < 3; i++)
    expect((await dir.scim.post('/Groups', scimGroupBody({ members: users }))).status).toBe(201);
});
afterAll(async () => {
  await t.close();
});

/** Groups → members → their groups, `aliases` times, every page size given by `first`. */
function fanOut(aliases: number, first: string): string {
  const page = first === '' ? '' : `first: ${first}, `;
  const nested = first === '' ? '' : `(first: ${first})`;
  const one = (i: number) =>
    `a${i}: directoryGroups(${page}directoryId: $d) { edges { node { id members${nested} { edges { node { id groups${nested} { edges { node { id } } } } } } } } }`;
  const variables = first.startsWith('$') ? `, ${first}: Int` : '';
  return `query($d: ID!${variables}) { ${Array.from({ length: aliases }, (_, i) => one(i)).join(' ')} }`;
}

/** The cost stated in a cost-limit refusal. */
function statedCost(message: string | undefined): number {
  const match = /Cost limit of 50000 exceeded: this operation may resolve (\d+) fields/.exec(message ?? '');
  if (!match) throw new Error(`not a cost-limit refusal: ${message}`);
  return Number(match[1]);
}

describe('GraphQL cost limit', () => {
  it('refuses thirty aliases of nested connections sized by a variable, over HTTP, before running them', async () => {
    const before = t.queries.length;
    const res = await graphql(t.url, t.sandboxKey, fanOut(30, '$f'), { d: dir.directoryId, f: 25 });
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(statedCost(res.errors?.[0]?.message)).toBeGreaterThan(50_000);
    expect(res.data).toBeUndefined();
    // Only the API key lookup ran, no directory data.
    expect(t.queries.slice(before).some((sql) => /directory_groups|group_members/.test(sql))).toBe(false);
  });

  it('refuses the same operation over graphql-ws', async () => {
    const client = await connectedClient(t.url, t.sandboxKey);
    try {
      const errors = (await withDeadline(subscriptionErrors(client, fanOut(30, '$f'), { d: dir.directoryId, f: 25 }), {
        what: 'the graphql-ws refusal',
        timeoutMs: 10_000,
      })) as { message: string; extensions?: Record<string, unknown> }[];
      expect(errors).toHaveLength(1);
      expect(errors[0]?.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
      expect(statedCost(errors[0]?.message)).toBeGreaterThan(50_000);
    } finally {
      await client.dispose();
    }
  });

  it('prices first the same as a literal, a variable, a variable default and when omitted (default page size 20)', async () => {
    const cost = async (query: string, variables: Record<string, unknown> = {}) =>
      statedCost(
        (await graphql(t.url, t.sandboxKey, query, { d: dir.directoryId, ...variables })).errors?.[0]?.message,
      );
    const literal = await cost(fanOut(3, '20'));
    // Per alias: 1 + 20 × (edges 1 + node 1 + id 1 + members (1 + 20 × (1 + 1 + 1 + groups (1 + 20 × 3)))).
    expect(literal).toBe(3 * (1 + 20 * (3 + (1 + 20 * (3 + (1 + 20 * 3))))));
    expect(await cost(fanOut(3, '$f'), { f: 20 })).toBe(literal);
    expect(await cost(fanOut(3, '$f').replace('$f: Int', '$f: Int = 20'))).toBe(literal);
    expect(await cost(fanOut(3, ''))).toBe(literal);
    // Larger pages cost proportionally more, up to the largest page the server returns (100).
    expect(await cost(fanOut(3, '$f'), { f: 100 })).toBe(await cost(fanOut(3, '100')));
    expect(await cost(fanOut(3, '$f'), { f: 100 })).toBeGreaterThan(literal);
  });

  it('runs an ordinary nested query within the limit', async () => {
    const res = await graphql(t.url, t.sandboxKey, fanOut(1, '$f'), { d: dir.directoryId, f: 25 });
    expect(res.errors).toBeUndefined();
    const groups = (res.data?.['a0'] as { edges: { node: { members: { edges: unknown[] } } }[] }).edges;
    expect(groups.map((group) => group.node.members.edges.length)).toEqual([3, 3, 3]);
  });
});

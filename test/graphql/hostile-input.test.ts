import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createOrganizationAs, errorCodes, graphql } from '../fixtures/graphql.js';
import { withDeadline } from '../fixtures/wait.js';
import { wsClient } from '../fixtures/ws.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// Text PostgreSQL cannot store used to fail in the database, as INTERNAL_SERVER_ERROR.

let t: TestApp;
let organizationId: string;
beforeAll(async () => {
  t = await startTestApp();
  organizationId = (await createOrganizationAs(t.url, t.sandboxKey, { name: 'Unchanged' })).id;
});
afterAll(async () => {
  await t.close();
});

const RENAME =
  'mutation($id: ID!, $name: String, $metadata: JSONObject) { updateOrganization(id: $id, input: { name: $name, metadata: $metadata }) { name } }';

describe('GraphQL input PostgreSQL cannot store', () => {
  it.each([
    ['a NUL in a string variable', { name: 'a\u0000b' }],
    ['a lone surrogate in a string variable', { name: 'a\ud800b' }],
    ['a NUL in a JSON key', { metadata: { 'a\u0000': 1 } }],
    ['a lone surrogate deep in JSON', { metadata: { a: [{ b: '\udc00' }] } }],
    ['JSON nested 40 levels', { metadata: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) as unknown }],
  ])('%s → 400 BAD_USER_INPUT, nothing changed', async (_case, variables) => {
    const res = await graphql(t.url, t.sandboxKey, RENAME, { id: organizationId, ...variables });
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    const read = await graphql(t.url, t.sandboxKey, 'query($id: ID!) { organization(id: $id) { name } }', {
      id: organizationId,
    });
    expect(read.data).toEqual({ organization: { name: 'Unchanged' } });
  });

  it.each(['gzip', 'deflate', 'br'])('a body that is not what Content-Encoding %s says → 400', async (encoding) => {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': encoding,
        authorization: `Bearer ${t.sandboxKey}`,
      },
      body: JSON.stringify({ query: '{ viewer { environment { name } } }' }),
    });
    expect(response.status).toBe(400);
  });

  it('a NUL in a string literal → 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await graphql(t.url, t.sandboxKey, '{ organizations(filter: { name: "a\\u0000b" }) { totalCount } }');
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('over graphql-ws: variables with a NUL are refused with BAD_USER_INPUT', async () => {
    const client = wsClient(t.url, `Bearer ${t.sandboxKey}`);
    try {
      const answered = new Promise<unknown>((resolve) => {
        client.subscribe(
          {
            query: 'subscription($org: ID) { provisioningEvents(organizationId: $org) { id } }',
            variables: { org: 'x\u0000' },
          },
          { next: () => resolve('unexpected result'), error: resolve, complete: () => resolve('completed') },
        );
      });
      const errors = await withDeadline(answered, { what: 'the subscription to be refused' });
      expect(errors).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
      ]);
    } finally {
      await client.dispose();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { errorCodes, graphql } from '../fixtures/graphql.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp & { rawLogs: string[] };
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.sandboxKey}`, ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('health', () => {
  it('GET /healthz answers while the process is up', async () => {
    const response = await fetch(`${t.url}/healthz`);
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('GET /readyz checks the database', async () => {
    const response = await fetch(`${t.url}/readyz`);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { status: 'ok', database: 'ok' },
    });
  });
});

describe('POST /graphql with bad requests', () => {
  it('answers malformed JSON with 400 and a JSON error', async () => {
    const res = await post('{"query": "{ viewer { environment { name } } }"');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [{ message: expect.stringMatching(/JSON|Unexpected/i), extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('answers a body over 1 MiB with 413', async () => {
    const res = await post(
      JSON.stringify({ query: '{ viewer { environment { name } } }', variables: { pad: 'x'.repeat(1_100_000) } }),
    );
    expect(res.status).toBe(413);
    expect(res.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('answers a missing query with 400', async () => {
    const res = await post(JSON.stringify({ variables: {} }));
    expect(res.status).toBe(400);
  });

  it('rejects a query deeper than GRAPHQL_MAX_DEPTH', async () => {
    const deep = `{ organizations { edges { node { directories { edges { node { organization { directories { edges { node { organization { name directories { totalCount } } } } } } } } } } } } }`;
    const res = await post(JSON.stringify({ query: deep }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/depth limit of 12 exceeded/),
        extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
      }),
    ]);
  });

  it('rejects unknown fields with GRAPHQL_VALIDATION_FAILED', async () => {
    const res = await graphql(t.url, t.sandboxKey, '{ viewer { password } }');
    expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('rejects a wrong variable type with BAD_USER_INPUT', async () => {
    const res = await graphql(
      t.url,
      t.sandboxKey,
      'query($first: Int) { organizations(first: $first) { totalCount } }',
      { first: 'ten' },
    );
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('request logging', () => {
  it('echoes a request id and logs every request without credentials', async () => {
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${t.sandboxKey}`,
        'x-request-id': 'req-abc-123',
      },
      body: JSON.stringify({ query: 'mutation { createApiKey(name: "logged") { secret } }' }),
    });
    const body = (await response.json()) as any;
    expect(response.headers.get('x-request-id')).toBe('req-abc-123');
    expect(t.logs).toContainEqual(
      expect.objectContaining({ requestId: 'req-abc-123', method: 'POST', path: '/graphql', status: 200 }),
    );
    const generated = await fetch(`${t.url}/healthz`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const everything = t.rawLogs.join('\n');
    expect(everything).not.toContain(t.sandboxKey);
    expect(everything).not.toContain(body.data.createApiKey.secret);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { startTestApp, type TestApp } from '../setup/app.js';

// A browser frontend on another origin calls /graphql: fetch with the Origin header a browser sends, the
// preflight first, then the request itself.

const APP = 'https://app.example.com';
const DEV = 'http://localhost:5173';
const OTHER = 'https://evil.example.net';

let t: TestApp;
let closed: TestApp;
beforeAll(async () => {
  t = await startTestApp({ CORS_ORIGINS: `${APP}, ${DEV}` });
  closed = await startTestApp({}, t.database);
});
afterAll(async () => {
  await closed.close();
  await t.close();
});

function preflight(baseUrl: string, origin: string) {
  return fetch(`${baseUrl}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });
}

function viewerQuery(baseUrl: string, origin: string, key: string, contentType = 'application/json') {
  return fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { origin, authorization: `Bearer ${key}`, 'content-type': contentType },
    body: JSON.stringify({ query: '{ viewer { environment { name } } }' }),
  });
}

const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-')).sort();

describe('CORS_ORIGINS on /graphql', () => {
  it.each([APP, DEV])('answers the preflight of the allowed origin %s with 204', async (origin) => {
    const response = await preflight(t.url, origin);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('lets the allowed origin read the answer, errors included', async () => {
    const ok = await viewerQuery(t.url, APP, t.sandboxKey);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(await ok.json()).toEqual({ data: { viewer: { environment: { name: 'sandbox' } } } });

    const denied = await viewerQuery(t.url, APP, 'dsk_sandbox_wrong');
    expect(denied.headers.get('access-control-allow-origin')).toBe(APP);
    expect(((await denied.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('gives another origin no CORS header: its preflight still meets CSRF prevention', async () => {
    const response = await preflight(t.url, OTHER);
    expect(response.status).toBe(400);
    expect(corsHeaders(response)).toEqual([]);
    const request = await viewerQuery(t.url, OTHER, t.sandboxKey);
    expect(corsHeaders(request)).toEqual([]);
  });

  it('keeps CSRF prevention for simple requests, even from an allowed origin', async () => {
    for (const origin of [APP, OTHER]) {
      const response = await viewerQuery(t.url, origin, t.sandboxKey, 'text/plain');
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/CSRF/);
    }
  });

  it('applies to /graphql only', async () => {
    const response = await fetch(`${t.url}/healthz`, { headers: { origin: APP } });
    expect(response.status).toBe(200);
    expect(corsHeaders(response)).toEqual([]);
  });

  it('allows no origin by default', async () => {
    for (const origin of [APP, OTHER]) {
      const response = await preflight(closed.url, origin);
      expect(response.status).toBe(400);
      expect(corsHeaders(response)).toEqual([]);
    }
  });
});

describe('the GraphQL sandbox', () => {
  it('is served at /graphql to a browser outside production', async () => {
    const response = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/sandbox/i);
  });
});

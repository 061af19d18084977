import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';

import { ADMIN_VIEWER, inviteAdminAs } from '../fixtures/admins.js';
import { createOrganizationAs, graphql } from '../fixtures/graphql.js';
import { withDeadline } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// The portal over plain HTTP (no browser): its page and headers, the session endpoints and their CSRF checks,
// and the cookie GraphQL accepts only with the marker. PUBLIC_URL is https://dsync.test (test/setup/app.ts),
// so the cookie is `__Host-` and Secure; the browser test (portal.test.ts) covers plain http.

const ORIGIN = 'https://dsync.test';
const COOKIE = '__Host-dsync_portal';
let t: TestApp;
let off: TestApp;
let organizationId: string;

beforeAll(async () => {
  t = await startTestApp({
    PORTAL_TITLE: 'Acme <HR>',
    PORTAL_LOGO_URL: 'https://cdn.acme.example/logo.svg',
    PORTAL_ACCENT_COLOR: '#ffcc00',
  });
  off = await startTestApp({ PORTAL_ENABLED: 'false' }, t.database);
  organizationId = (await createOrganizationAs(t.url, t.sandboxKey)).id;
});
afterAll(async () => {
  await off.close();
  await t.close();
});

function postSession(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${t.url}/portal/session`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Accepts a fresh invitation through the portal's endpoint; the session token from its Set-Cookie. */
async function portalSession(): Promise<{ token: string; setCookie: string }> {
  const invitation = await inviteAdminAs(t.url, t.sandboxKey, organizationId);
  const response = await postSession({ token: invitation.token, name: 'Ada' });
  expect(response.status).toBe(200);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const token = new RegExp(`^${COOKIE}=(dsa_[^;]+);`).exec(setCookie)?.[1];
  if (!token) throw new Error(`no session cookie in ${setCookie}`);
  return { token, setCookie };
}

/** A GraphQL POST carrying the cookie, with the given headers. */
async function withCookie(token: string, headers: Record<string, string>, method = 'POST') {
  const response = await fetch(
    method === 'GET'
      ? `${t.url}/graphql?query=${encodeURIComponent('{ viewer { admin { email } } }')}`
      : `${t.url}/graphql`,
    {
      method,
      headers: { cookie: `${COOKIE}=${token}`, ...headers },
      ...(method === 'GET' ? {} : { body: JSON.stringify({ query: ADMIN_VIEWER }) }),
    },
  );
  const body = (await response.json()) as { data?: any; errors?: { message: string; extensions?: any }[] };
  return { status: response.status, body };
}

/** The outcome of a graphql-ws handshake whose connection_init has no credentials: `ack` or the close code. */
function handshake(headers: Record<string, string>): Promise<'ack' | number> {
  const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { headers });
  const outcome = new Promise<'ack' | number>((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') resolve('ack');
    });
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
  return withDeadline(outcome, { what: 'the graphql-ws handshake' }).finally(() => socket.terminate());
}

describe('the portal page', () => {
  it('is served with a strict CSP, no referrer, nosniff, the vendor title (escaped) and logo origin', async () => {
    const redirect = await fetch(`${t.url}/portal`, { redirect: 'manual' });
    expect({ status: redirect.status, location: redirect.headers.get('location') }).toEqual({
      status: 302,
      location: '/portal/',
    });
    const response = await fetch(`${t.url}/portal/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = (response.headers.get('content-security-policy') ?? '').split('; ');
    expect(csp).toEqual(
      expect.arrayContaining([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self' wss://dsync.test",
        "img-src 'self' https://cdn.acme.example data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
      ]),
    );
    expect(csp.join(' ')).not.toContain('unsafe-inline');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain('data-vendor="Acme &lt;HR&gt;"');
    expect(html).toContain('<img class="logo" src="https://cdn.acme.example/logo.svg"');
    expect(html).not.toContain('<HR>');
  });

  it('serves its stylesheet with the accent and a contrasting text colour, and its compiled modules', async () => {
    const css = await fetch(`${t.url}/portal/portal.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toMatch(/--accent: #ffcc00;\s+--on-accent: #000000;/);
    const app = await fetch(`${t.url}/portal/js/app.js`);
    expect(app.status).toBe(200); // dist/portal/ is built by `npm run build` (npm test builds first)
    expect(app.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(app.headers.get('content-security-policy')).toContain("script-src 'self'");
    for (const path of ['/portal/js/missing.js', '/portal/js/..%2F..%2Fpackage.json', '/portal/js/App.js'])
      expect({ path, status: (await fetch(`${t.url}${path}`)).status }).toEqual({ path, status: 404 });
  });

  it('is not served when PORTAL_ENABLED=false', async () => {
    for (const path of ['/portal', '/portal/', '/portal/js/app.js', '/portal/portal.css'])
      expect({ path, status: (await fetch(`${off.url}${path}`)).status }).toEqual({ path, status: 404 });
    const session = await fetch(`${off.url}/portal/session`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(session.status).toBe(404);
  });
});

describe('POST /portal/session', () => {
  it('accepts the invitation into an HttpOnly, SameSite=Strict, Secure cookie; the body has no token', async () => {
    const invitation = await inviteAdminAs(t.url, t.sandboxKey, organizationId);
    const response = await postSession({ token: invitation.token, name: 'Grace' });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('dsa_');
    expect(JSON.parse(text)).toMatchObject({ admin: { email: invitation.email, name: 'Grace' } });
    expect(response.headers.get('set-cookie')).toMatch(
      new RegExp(`^${COOKIE}=dsa_[A-Za-z0-9_-]+; Max-Age=43200; Path=/; HttpOnly; SameSite=Strict; Secure$`),
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    // The same invitation again: refused, saying why; no cookie.
    const again = await postSession({ token: invitation.token });
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'invitation already used' } });
    // It is in the audit log like the acceptAdminInvitation mutation (a refusal names no environment, so the
    // vendor's log shows only the acceptance).
    const audit = await graphql(
      t.url,
      t.sandboxKey,
      'query ($f: AuditLogFilter) { auditLog(filter: $f, first: 10) { edges { node { outcome organizationId } } } }',
      { f: { action: 'acceptAdminInvitation' } },
    );
    expect(audit.data?.['auditLog'].edges.map((edge: any) => edge.node)).toEqual(
      expect.arrayContaining([{ outcome: 'ok', organizationId }]),
    );
  });

  it('answers only the portal origin with JSON, and says what is wrong with a bad body', async () => {
    const invitation = await inviteAdminAs(t.url, t.sandboxKey, organizationId);
    const cases: [string, Response][] = [
      ['another origin', await postSession({ token: invitation.token }, { origin: 'https://evil.example' })],
      ['no origin', await postSession({ token: invitation.token }, { origin: '' })],
      [
        'a form',
        await postSession(`token=${invitation.token}`, { 'content-type': 'application/x-www-form-urlencoded' }),
      ],
      ['text/plain', await postSession(JSON.stringify({ token: invitation.token }), { 'content-type': 'text/plain' })],
      ['bad JSON', await postSession('{"token": ')],
      ['a number', await postSession({ token: 42 })],
      ['a bad name', await postSession({ token: invitation.token, name: { first: 'x' } })],
    ];
    expect(cases.map(([what, response]) => [what, response.status])).toEqual([
      ['another origin', 403],
      ['no origin', 403],
      ['a form', 415],
      ['text/plain', 415],
      ['bad JSON', 400],
      ['a number', 400],
      ['a bad name', 400],
    ]);
    for (const [, response] of cases) expect(response.headers.get('set-cookie')).toBeNull();
    // None of them used the invitation.
    expect((await postSession({ token: invitation.token })).status).toBe(200);
  });

  it('DELETE clears the cookie (same origin only)', async () => {
    const refused = await fetch(`${t.url}/portal/session`, {
      method: 'DELETE',
      headers: { origin: 'https://evil.example' },
    });
    expect(refused.status).toBe(403);
    const cleared = await fetch(`${t.url}/portal/session`, { method: 'DELETE', headers: { origin: ORIGIN } });
    expect(cleared.status).toBe(204);
    expect(cleared.headers.get('set-cookie')).toBe(`${COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure`);
  });

  it('DELETE ends the session on the server: a copy of the cookie stops working at once', async () => {
    const { token } = await portalSession();
    const json = { origin: ORIGIN, 'content-type': 'application/json' };
    expect((await withCookie(token, json)).body.errors).toBeUndefined();
    const ended = await fetch(`${t.url}/portal/session`, {
      method: 'DELETE',
      headers: { origin: ORIGIN, cookie: `${COOKIE}=${token}` },
    });
    expect(ended.status).toBe(204);
    const after = await withCookie(token, json);
    expect(after.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const audit = await graphql(
      t.url,
      t.sandboxKey,
      'query ($f: AuditLogFilter) { auditLog(filter: $f, first: 10) { edges { node { actorType outcome } } } }',
      { f: { action: 'signOut' } },
    );
    expect(audit.data?.['auditLog'].edges.map((edge: any) => edge.node)).toContainEqual({
      actorType: 'ADMIN',
      outcome: 'ok',
    });
  });
});

describe('the session cookie in GraphQL', () => {
  it('works only from the portal origin, as JSON; bearer tokens keep working', async () => {
    const { token } = await portalSession();
    const ok = await withCookie(token, { origin: ORIGIN, 'content-type': 'application/json' });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.viewer.organization.id).toBe(organizationId);

    const refusals = {
      'another origin': await withCookie(token, { origin: 'https://evil.example', 'content-type': 'application/json' }),
      'no origin': await withCookie(token, { 'content-type': 'application/json' }),
      'a GET': await withCookie(token, { origin: ORIGIN, 'apollo-require-preflight': 'true' }, 'GET'),
      'another content type': await withCookie(token, {
        origin: ORIGIN,
        'content-type': 'application/graphql-response+json',
      }),
    };
    for (const [what, refused] of Object.entries(refusals)) {
      expect({ what, status: refused.status, code: refused.body.errors?.[0]?.extensions?.code }).toEqual({
        what,
        status: 401,
        code: 'UNAUTHENTICATED',
      });
      expect(refused.body.errors?.[0]?.message).toMatch(
        /^The portal's session cookie is accepted only from PUBLIC_URL's origin/,
      );
    }
    // An Authorization header wins over the cookie: the API key's viewer, whatever the origin.
    const bearer = await withCookie(token, {
      origin: 'https://evil.example',
      'content-type': 'application/json',
      authorization: `Bearer ${t.sandboxKey}`,
    });
    expect(bearer.body.data.viewer).toMatchObject({ admin: null, apiKey: { id: expect.any(String) } });
  });

  it('authenticates a WebSocket opened from the portal origin only', async () => {
    const { token } = await portalSession();
    const cookie = `${COOKIE}=${token}`;
    expect(await handshake({ cookie, origin: ORIGIN })).toBe('ack');
    expect(await handshake({ cookie, origin: 'https://evil.example' })).toBe(4401);
    expect(await handshake({ cookie })).toBe(4401);
    expect(await handshake({ origin: ORIGIN })).toBe(4401);
  });
});

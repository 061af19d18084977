import { mkdir, writeFile } from 'node:fs/promises';
import { AxeBuilder } from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser, type Page } from 'playwright-core';

import { inviteAdminAs } from '../fixtures/admins.js';
import { createDirectoryAs, createOrganizationAs } from '../fixtures/graphql.js';
import { scimGroupBody, scimUserBody } from '../fixtures/scim.js';
import { waitUntil, withDeadline } from '../fixtures/wait.js';
import { startTestApp, testClock, type TestApp } from '../setup/app.js';
import { freePort } from '../setup/process.js';

// The admin portal in a real browser (Chromium from @sparticuz/chromium, driven by playwright-core), against
// the real server: what a customer's IT admin does from the invitation link on. PUBLIC_URL is the server's
// own http://127.0.0.1:<port>, so the browser's Origin is the one the cookie is accepted from.

const VENDOR = 'Acme HR';
const HOUR = 3_600_000;
/** Every browser wait (navigation, locator, text) fails after this, naming what it waited for. */
const WAIT_MS = 15_000;
const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 390, height: 844 };
const SCREENSHOTS = 'docs/portal';
/**
 * `PORTAL_SCREENSHOTS=update` rewrites the committed screenshots in docs/portal/ (README); other runs take them
 * without writing, so that a test run leaves the checkout clean (they show times and ids that differ per run).
 */
const UPDATE_SCREENSHOTS = process.env['PORTAL_SCREENSHOTS'] === 'update';
/** A test's own budget: several browser round trips, each under WAIT_MS. */
const TEST_MS = 60_000;

const INSECURE_FLAGS = [
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
];

const clock = testClock();
let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  const port = await freePort();
  t = await startTestApp(
    { PUBLIC_URL: `http://127.0.0.1:${port}`, SCIM_REQUEST_LOG_SIZE: '100', PORTAL_TITLE: VENDOR },
    undefined,
    { clock, port },
  );
  // Without the flags that turn the browser's security model off (a serverless convenience): the portal's
  // CSRF defence relies on what a real browser sends (Origin) and on SameSite cookies.
  const args = sparticuz.args.filter((arg) => !INSECURE_FLAGS.includes(arg));
  const launch = async () =>
    chromium.launch({ executablePath: await sparticuz.executablePath(), args, headless: true });
  browser = await withDeadline(launch(), { what: 'Chromium to launch', timeoutMs: 60_000 });
}, 90_000);
afterAll(async () => {
  await browser?.close(); // and every context and page of it
  await t?.close();
});

/** A new organization of the vendor. */
async function organization(): Promise<string> {
  return (await createOrganizationAs(t.url, t.sandboxKey)).id;
}

/** A fresh browser (context) at the invitation link of a new admin of `organizationId`. */
async function openInvitation(organizationId: string, viewport = DESKTOP) {
  const invitation = await inviteAdminAs(t.url, t.sandboxKey, organizationId);
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  await page.goto(invitation.url);
  return { context, page, invitation };
}

/**
 * Accepts on the page; resolves once the provider picker shows, with the Set-Cookie the browser received
 * (read from the response: `context.cookies()` of a second browser context comes back empty in this build).
 */
async function accept(page: Page, name = 'Ada Admin'): Promise<string> {
  await page.getByLabel('Your name (optional)').fill(name);
  const response = page.waitForResponse(
    (answer) => answer.url().endsWith('/portal/session') && answer.request().method() === 'POST',
  );
  await page.getByTestId('accept').click();
  const setCookie = (await (await response).headerValue('set-cookie')) ?? '';
  await page.getByTestId('provider-OKTA').waitFor();
  return setCookie;
}

/** `name=value` of a Set-Cookie header: what the browser sends back. */
function cookieOf(setCookie: string): string {
  return setCookie.split(';')[0] ?? '';
}

/** Picks Okta and reads the SCIM base URL and token from the page. */
async function pickOkta(page: Page): Promise<{ baseUrl: string; token: string }> {
  await page.getByTestId('provider-OKTA').click();
  await page.getByTestId('scim-token').waitFor();
  return {
    baseUrl: await page.getByTestId('scim-base-url').inputValue(),
    token: await page.getByTestId('scim-token').inputValue(),
  };
}

/** A signed-in admin of `organizationId` with an Okta directory. */
async function signedInWithOkta(organizationId: string, viewport = DESKTOP) {
  const opened = await openInvitation(organizationId, viewport);
  const setCookie = await accept(opened.page);
  return { ...opened, cookie: cookieOf(setCookie), ...(await pickOkta(opened.page)) };
}

/** One SCIM request as Okta sends it; resolves with the status and body. */
async function scim(baseUrl: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

/** Waits until the element with `testId` shows `text`. */
async function waitForText(page: Page, testId: string, text: string | RegExp): Promise<void> {
  await page.getByTestId(testId).filter({ hasText: text }).first().waitFor();
}

/** GraphQL from inside the page (same origin: the browser adds the cookie and the Origin). */
function pageGraphql(page: Page, query: string, variables: Record<string, unknown> = {}) {
  return page.evaluate(async (body) => {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      referrerPolicy: 'same-origin', // as the portal sends them (its page's policy is no-referrer: Origin null)
      body,
    });
    return { status: response.status, body: (await response.json()) as any };
  }, JSON.stringify({ query, variables }));
}

/** No serious or critical axe-core violation on the page as it is now. */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await withDeadline(new AxeBuilder({ page }).analyze(), { what: `axe-core on ${screen}` });
  const bad = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({ screen, id: violation.id, targets: violation.nodes.map((node) => node.target.join(' ')) }));
  expect(bad).toEqual([]);
}

describe('an IT admin, from the invitation link', () => {
  it(
    'accepts, picks Okta, and watches Okta connect and provision live, without a reload',
    async () => {
      const { page } = await openInvitation(await organization());
      await expect(page.locator('h1').textContent()).resolves.toBe(`Invitation from ${VENDOR}`);
      const setCookie = await accept(page);
      expect(page.url()).not.toContain('invitation');
      // Plain http PUBLIC_URL: no Secure, no __Host- prefix (browsers would drop either).
      expect(setCookie).toMatch(/^dsync_portal=dsa_[\w-]+; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
      // JavaScript sees no secret: the cookie is HttpOnly and nothing is in storage.
      const visible = await page.evaluate(
        'JSON.stringify([document.cookie, { ...localStorage }, { ...sessionStorage }])',
      );
      expect(visible).toBe('["",{},{}]');

      const { baseUrl, token } = await pickOkta(page);
      expect(baseUrl).toMatch(new RegExp(`^${t.url}/scim/v2/[0-9a-f-]{36}$`));
      expect(token).toMatch(/^dst_/);
      await expect(page.getByText('you will not see it again').count()).resolves.toBe(1);
      await waitForText(page, 'connection-state', "Waiting for Okta's first request");
      await page.evaluate('window.notReloaded = true');

      // Okta's "test connector" request creates nothing, yet flips the panel to Connected.
      expect((await scim(baseUrl, token, 'GET', '/Users?count=1')).status).toBe(200);
      await waitForText(page, 'connection-state', 'Connected');
      await waitForText(page, 'user-count', /^0$/);
      const user = await scim(baseUrl, token, 'POST', '/Users', scimUserBody());
      expect(user.status).toBe(201);
      await waitForText(page, 'user-count', /^1$/);
      const group = await scim(
        baseUrl,
        token,
        'POST',
        '/Groups',
        scimGroupBody({ members: [{ value: user.body.id }] }),
      );
      expect(group.status).toBe(201);
      await waitForText(page, 'group-count', /^1$/);
      expect(await page.evaluate('window.notReloaded')).toBe(true);
    },
    TEST_MS,
  );

  describe('with a connected directory', () => {
    let page: Page;
    let baseUrl: string;
    let oldToken: string;

    beforeAll(async () => {
      const signedIn = await signedInWithOkta(await organization());
      ({ page, baseUrl } = signedIn);
      oldToken = signedIn.token;
      expect((await scim(baseUrl, oldToken, 'POST', '/Users', scimUserBody())).status).toBe(201);
    }, TEST_MS);

    it(
      'rotates the token in the page: the old one gets 401, the new one works',
      async () => {
        await page.getByTestId('rotate-token').click();
        const newToken = await waitUntil(
          async () => {
            const shown = await page.getByTestId('scim-token').inputValue();
            return shown !== oldToken && shown !== '' ? shown : undefined;
          },
          { what: 'the page to show a new token', timeoutMs: WAIT_MS, intervalMs: 100 },
        );
        expect(newToken).toMatch(/^dst_/);
        expect(newToken).not.toBe(oldToken);
        expect((await scim(baseUrl, oldToken, 'GET', '/Users')).status).toBe(401);
        expect((await scim(baseUrl, newToken, 'GET', '/Users')).status).toBe(200);
      },
      TEST_MS,
    );

    it(
      'opens the request log and finds the failed request with the old token highlighted',
      async () => {
        await t.app.flushScimRequestLog();
        await page.getByTestId('tab-log').click();
        const failed = page.getByTestId('request-log').locator('tr.failed[data-status="401"]');
        await failed.first().waitFor();
        await expect(failed.first().textContent()).resolves.toMatch(/Failed 401.*Authentication failed: wrong token/);
        // Successful requests are listed too, without the mark.
        await expect(
          page.getByTestId('request-log').locator('tr[data-status="201"]:not(.failed)').count(),
        ).resolves.toBe(1);
      },
      TEST_MS,
    );
  });

  it(
    "switches between the organization's directories: setup, status and data follow the one picked",
    async () => {
      const organizationId = await organization();
      const okta = await createDirectoryAs(t.url, t.sandboxKey, organizationId, 'OKTA');
      const entra = await createDirectoryAs(t.url, t.sandboxKey, organizationId, 'ENTRA_ID');
      const ada = scimUserBody();
      expect((await scim(entra.directory.scimBaseUrl, entra.token, 'POST', '/Users', ada)).status).toBe(201);
      const { page } = await openInvitation(organizationId);
      await accept(page);

      const picker = page.getByTestId('directory-picker');
      await expect(picker.locator('option').allTextContents()).resolves.toEqual([
        expect.stringContaining('(Okta)'),
        expect.stringContaining('(Microsoft Entra ID)'),
      ]);
      await expect(page.getByTestId('scim-base-url').inputValue()).resolves.toBe(okta.directory.scimBaseUrl);
      await waitForText(page, 'user-count', /^0$/);
      await expectAccessible(page, 'directory picker');

      await page.getByLabel('Directory', { exact: true }).selectOption(entra.directory.id);
      await waitForText(page, 'user-count', /^1$/);
      await expect(page.getByTestId('scim-base-url').inputValue()).resolves.toBe(entra.directory.scimBaseUrl);
      await expect(page.getByTestId('provider-ENTRA_ID').getAttribute('aria-pressed')).resolves.toBe('true');
      await page.getByTestId('tab-users').click();
      await page.getByTestId('users').getByText(String(ada['userName'])).first().waitFor();
      await expect(picker.inputValue()).resolves.toBe(entra.directory.id);
    },
    TEST_MS,
  );

  it(
    "an admin of organization A cannot see B's, and the cookie needs the CSRF marker",
    async () => {
      const organizationB = await organization();
      const directoryB = (await createDirectoryAs(t.url, t.sandboxKey, organizationB)).directory.id;
      const organizationA = await organization();
      const { page } = await openInvitation(organizationA);
      const cookie = cookieOf(await accept(page));

      const own = await pageGraphql(page, 'query ($id: ID!) { organization(id: $id) { id } }', { id: organizationA });
      expect(own.body).toEqual({ data: { organization: { id: organizationA } } });
      const reads = {
        organization: ['query ($id: ID!) { organization(id: $id) { id } }', { id: organizationB }],
        directory: ['query ($id: ID!) { directory(id: $id) { id } }', { id: directoryB }],
        users: ['query ($id: ID!) { directoryUsers(directoryId: $id) { totalCount } }', { id: directoryB }],
        rotate: ['mutation ($id: ID!) { rotateDirectoryToken(id: $id) { token } }', { id: directoryB }],
      } as const;
      for (const [what, [query, variables]] of Object.entries(reads)) {
        const answer = await pageGraphql(page, query, variables);
        expect({ what, code: answer.body.errors?.[0]?.extensions?.code }).toEqual({ what, code: 'NOT_FOUND' });
      }

      // Without the marker (a GET, even one that passes Apollo's own CSRF check), the cookie is refused.
      const get = await page.evaluate(async (query) => {
        const response = await fetch(`/graphql?query=${encodeURIComponent(query)}`, {
          headers: { 'apollo-require-preflight': 'true' },
        });
        return { status: response.status, body: (await response.json()) as any };
      }, '{ viewer { admin { id } } }');
      expect({ status: get.status, code: get.body.errors?.[0]?.extensions?.code }).toEqual({
        status: 401,
        code: 'UNAUTHENTICATED',
      });
      expect(get.body.errors?.[0]?.message).toMatch(/^The portal's session cookie is accepted only from/);
      // The same cookie from another origin (localhost is another origin than 127.0.0.1): refused; from the
      // portal's own origin it works.
      const asOrigin = async (origin: string) => {
        const response = await fetch(`${t.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin, cookie },
          body: JSON.stringify({ query: '{ viewer { admin { id } } }' }),
        });
        return { status: response.status, body: (await response.json()) as any };
      };
      const foreign = await asOrigin(t.url.replace('127.0.0.1', 'localhost'));
      expect(foreign.status).toBe(401);
      expect(foreign.body.errors[0].message).toMatch(/^The portal's session cookie is accepted only from/);
      expect((await asOrigin(t.url)).body.data.viewer.admin.id).toEqual(expect.any(String));
    },
    TEST_MS,
  );

  it(
    'signs out, and an expired session shows "ask your vendor for a new link"',
    async () => {
      const { page, cookie } = await signedInWithOkta(await organization());
      const cleared = page.waitForResponse(
        (answer) => answer.url().endsWith('/portal/session') && answer.request().method() === 'DELETE',
      );
      await page.getByTestId('sign-out').click();
      await waitForText(page, 'session-ended', `Ask ${VENDOR} for a new link`);
      await expect(page.locator('h1').textContent()).resolves.toBe('You are signed out');
      expect(await (await cleared).headerValue('set-cookie')).toMatch(/^dsync_portal=; Max-Age=0;/);
      // The session itself ended, not only the cookie.
      const after = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: t.url, cookie },
        body: JSON.stringify({ query: '{ viewer { admin { id } } }' }),
      });
      expect(((await after.json()) as any).errors[0].message).toBe('admin session signed out');

      // Another admin's open page: the session expires while it watches the status panel.
      const expiring = await signedInWithOkta(await organization());
      clock.advance(13 * HOUR); // ADMIN_SESSION_TTL is 12h
      await waitForText(expiring.page, 'session-ended', `Ask ${VENDOR} for a new link`);
      await expect(expiring.page.getByTestId('session-ended').textContent()).resolves.toContain(
        'admin session expired',
      );
      await expiring.page.reload();
      await waitForText(expiring.page, 'session-ended', `Ask ${VENDOR} for a new link`);
    },
    TEST_MS,
  );

  it.each([
    ['desktop', DESKTOP],
    ['mobile', MOBILE],
  ])(
    'every screen passes axe-core (no serious or critical violation) at %s size',
    async (size, viewport) => {
      if (UPDATE_SCREENSHOTS) await mkdir(SCREENSHOTS, { recursive: true });
      const shoot = async (page: Page, screen: string) => {
        await expectAccessible(page, `${screen} (${size})`);
        await page.evaluate('window.scrollTo(0, 0)');
        const png = await page.screenshot();
        expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        if (UPDATE_SCREENSHOTS && (size === 'desktop' || screen === 'connected'))
          await writeFile(`${SCREENSHOTS}/${size === 'desktop' ? '' : 'mobile-'}${screen}.png`, png);
      };
      const { page } = await openInvitation(await organization(), viewport);
      await page.getByTestId('accept').waitFor();
      await shoot(page, 'accept');
      // Keyboard only: the name field has the focus, Enter accepts; a provider is chosen with Enter too.
      await page.keyboard.type('Kay Board');
      await page.keyboard.press('Enter');
      await page.getByTestId('provider-OKTA').focus();
      await shoot(page, 'choose-provider');
      await page.keyboard.press('Enter');
      await page.getByTestId('scim-token').waitFor();
      const baseUrl = await page.getByTestId('scim-base-url').inputValue();
      const token = await page.getByTestId('scim-token').inputValue();
      await waitForText(page, 'connection-state', 'Waiting');
      await shoot(page, 'waiting');
      const user = await scim(baseUrl, token, 'POST', '/Users', scimUserBody());
      await scim(baseUrl, token, 'POST', '/Groups', scimGroupBody({ members: [{ value: user.body.id }] }));
      await scim(baseUrl, 'dst_wrong', 'GET', '/Users');
      await waitForText(page, 'group-count', /^1$/);
      await shoot(page, 'connected');
      await t.app.flushScimRequestLog();
      for (const [tab, ready] of [
        ['users', '[data-testid="users"] tbody tr'],
        ['groups', '[data-testid="groups"] tbody tr'],
        ['events', '[data-testid="events"] li'],
        ['log', '[data-testid="request-log"] tr.failed'],
      ] as const) {
        await page.getByTestId(`tab-${tab}`).focus();
        await page.keyboard.press('Enter');
        await page.locator(ready).first().waitFor();
        if (tab === 'events' || tab === 'log') await page.locator('details summary').first().click();
        await shoot(page, tab);
      }
      await page.getByTestId('sign-out').click();
      await page.getByTestId('session-ended').waitFor();
      await shoot(page, 'signed-out');
    },
    3 * TEST_MS,
  );
});

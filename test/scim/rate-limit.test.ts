import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createTestDirectory, ERROR, scimClient, type ScimClient, type ScimResult } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { startTestApp, withTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

// The per-directory SCIM rate limit through real servers on one database. Most apps here refill so slowly
// (one token per 1,000 s) that a test's duration cannot add tokens: what a directory may send is its burst.

const BURST = 10;
// No webhook workers: fewer connections (several test files share one PostgreSQL server).
const QUIET = { WEBHOOK_WORKERS: '0' };
const SLOW = { ...QUIET, SCIM_RATE_LIMIT: '0.001', SCIM_RATE_BURST: String(BURST) };

let database: TestDatabase;
let first: TestApp;
let second: TestApp;
beforeAll(async () => {
  database = await createTestDatabase();
  first = await startTestApp(SLOW, database);
  second = await startTestApp(SLOW, database);
});
afterAll(async () => {
  await first.close();
  await second.close();
  await database.drop();
});

/** Runs `test` against one more app on the same database, closed after. */
const withApp = (env: Record<string, string>, test: (app: TestApp) => Promise<void>) =>
  withTestApp({ ...QUIET, ...env }, database, test);

const statuses = (results: readonly ScimResult[]) => results.map((r) => r.status);
const accepted = (results: readonly ScimResult[]) => results.filter((r) => r.status === 200).length;

async function sequentially(client: ScimClient, count: number): Promise<ScimResult[]> {
  const results: ScimResult[] = [];
  for (let i = 0; i < count; i++) results.push(await client.get('/Users?count=1'));
  return results;
}

describe('SCIM rate limit per directory', () => {
  it('answers 429 with Retry-After and a SCIM error once the burst is spent', async () => {
    const { scim } = await createTestDirectory(first.url, first.sandboxKey);
    const results = await sequentially(scim, BURST + 3);
    expect(statuses(results)).toEqual([...Array(BURST).fill(200), 429, 429, 429]);
    const refused = results[BURST]!;
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(refused.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(refused.body).toEqual({
      schemas: [ERROR],
      status: '429',
      detail: expect.stringMatching(/too many requests/i),
    });
  });

  it('leaves other directories alone', async () => {
    const busy = await createTestDirectory(first.url, first.sandboxKey);
    const quiet = await createTestDirectory(first.url, first.sandboxKey);
    expect(accepted(await sequentially(busy.scim, BURST + 2))).toBe(BURST);
    expect(statuses(await sequentially(quiet.scim, BURST))).toEqual(Array(BURST).fill(200));
  });

  it('is one limit across two server instances, not one each', async () => {
    const dir = await createTestDirectory(first.url, first.sandboxKey);
    const clients = [dir.scim, scimClient(`${second.url}/scim/v2/${dir.directoryId}`, dir.token)];
    const results = await Promise.all(
      Array.from({ length: 4 * BURST }, (_, i) => clients[i % 2]!.get('/Users?count=1')),
    );
    expect(statuses(results).filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // Each process may hold one lease (here 1 token, a tenth of the burst) unspent: at most 2 × 1 slack.
    expect(accepted(results)).toBeGreaterThanOrEqual(BURST - 2);
    expect(accepted(results)).toBeLessThanOrEqual(BURST + 2);
    const onSecond = results.filter((r, i) => i % 2 === 1);
    expect(statuses(onSecond)).toContain(429);
  });

  it('lets requests through again once tokens have refilled', async () => {
    await withApp({ SCIM_RATE_LIMIT: '4', SCIM_RATE_BURST: '2' }, async (fast) => {
      const { scim } = await createTestDirectory(fast.url, first.sandboxKey);
      // Ten at once: more than the burst of 2 plus what refills while they are answered.
      const volley = await Promise.all(Array.from({ length: 10 }, () => scim.get('/Users?count=1')));
      expect(statuses(volley)).toContain(429);
      await waitUntil(async () => (await scim.get('/Users?count=1')).status === 200, {
        what: 'a 200 again once the bucket refilled',
        intervalMs: 100,
      });
    });
  });

  it('is off with SCIM_RATE_LIMIT=0, whatever the burst', async () => {
    await withApp({ SCIM_RATE_LIMIT: '0', SCIM_RATE_BURST: '2' }, async (off) => {
      const { scim } = await createTestDirectory(off.url, first.sandboxKey);
      const results = await Promise.all(Array.from({ length: 30 }, () => scim.get('/Users?count=1')));
      expect(statuses(results)).toEqual(Array(30).fill(200));
    });
  });
});

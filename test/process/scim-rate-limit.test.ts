import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { createTestDirectory, scimClient, type ScimClient } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { startTestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';
import { exitCode, freePort, start, waitForOutput, type Run } from '../setup/process.js';

// The SCIM rate limit is one bucket per directory in PostgreSQL: two `node dist/src/main.js` processes on one
// database admit one burst between them, not one each, and both admit requests again once it refilled.

const RATE = 1; // tokens per second
const BURST = 10;

let database: TestDatabase;
const servers: Run[] = [];
let clients: ScimClient[];

beforeAll(async () => {
  database = await createTestDatabase();
  // An in-process app only to create the directory (its bootstrap API key); the SCIM requests go to the processes.
  const setup = await startTestApp({ WEBHOOK_WORKERS: '0' }, database);
  const dir = await createTestDirectory(setup.url, setup.sandboxKey).finally(() => setup.close());
  const urls: string[] = [];
  for (let i = 0; i < 2; i += 1) {
    const port = await freePort();
    const server = start({
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SCIM_RATE_LIMIT: String(RATE),
      SCIM_RATE_BURST: String(BURST),
      WEBHOOK_WORKERS: '0',
    });
    servers.push(server);
    await waitForOutput(server, /dsync is up/);
    urls.push(`http://127.0.0.1:${port}`);
  }
  clients = urls.map((url) => scimClient(`${url}/scim/v2/${dir.directoryId}`, dir.token));
}, 60_000);

afterAll(async () => {
  for (const server of servers) server.child.kill('SIGTERM');
  await Promise.all(servers.map((server) => exitCode(server, 'a server process to exit after SIGTERM')));
  await database.drop();
});

describe('SCIM rate limit across server processes', () => {
  it('admits one burst between two processes, then requests again once tokens refilled', async () => {
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; i < 3 * BURST; i += 1) statuses.push((await clients[i % 2]!.get('/Users?count=1')).status);
    const elapsedSeconds = (Date.now() - started) / 1000;

    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const admitted = statuses.filter((s) => s === 200).length;
    // Each process may hold one lease (a tenth of the burst) unspent, and tokens refill while the requests run.
    expect(admitted).toBeGreaterThanOrEqual(BURST - 2);
    expect(admitted).toBeLessThanOrEqual(BURST + 2 + Math.ceil(elapsedSeconds * RATE));
    expect(admitted).toBeLessThan(2 * BURST);
    // Both processes refused some: neither has a bucket of its own.
    expect(statuses.filter((s, i) => i % 2 === 0)).toContain(429);
    expect(statuses.filter((s, i) => i % 2 === 1)).toContain(429);

    for (const [i, client] of clients.entries()) {
      await waitUntil(async () => (await client.get('/Users?count=1')).status === 200, {
        what: `a 200 from process ${i + 1} once the bucket refilled`,
        timeoutMs: 8_000,
        intervalMs: 250,
      });
    }
  }, 30_000);
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';

import { allEvents, connectedClient, lastEventId, subscribeEvents } from '../fixtures/events.js';
import { runExample, stopExample, waitForRun, within, type ExampleRun } from '../fixtures/example.js';
import { createTestDirectory, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { startTestApp, TEST_ENCRYPTION_KEY, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';
import { freePort, start, waitForOutput, type Run } from '../setup/process.js';

// examples/subscribe-events.mjs as its own process: it must print every committed event exactly once, in
// order, across a 4290 close (the process is frozen with SIGSTOP until the server gives up on it) and
// across a restart of the server it is connected to (a real `node dist/src/main.js`).

let database: TestDatabase;
let t: TestApp;
let dir: TestDirectory;
let dataDir: string;
const examples: ExampleRun[] = [];
const servers: Run[] = [];
const clients: Client[] = [];

// Events are published in rounds: one held back by a transaction elsewhere in the PostgreSQL cluster arrives
// together with the ones after it. The limit leaves the healthy subscriber room for such a burst.
const BUFFER_LIMIT = 25;

beforeAll(async () => {
  database = await createTestDatabase();
  t = await startTestApp({ SUBSCRIPTION_BUFFER_LIMIT: String(BUFFER_LIMIT) }, database);
  dir = await createTestDirectory(t.url, t.sandboxKey);
  await createUsers(1); // so that every test starts from an event id
  dataDir = await mkdtemp(path.join(tmpdir(), 'dsync-examples-'));
});
afterEach(async () => {
  await Promise.all(examples.splice(0).map(stopExample));
  await Promise.all(clients.splice(0).map(async (client) => client.dispose()));
  for (const server of servers.splice(0)) {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await server.exited;
  }
});
afterAll(async () => {
  await t.close();
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
});

function subscriber(baseUrl: string, env: Record<string, string> = {}): ExampleRun {
  const run = runExample('subscribe-events.mjs', {
    DSYNC_URL: baseUrl,
    DSYNC_API_KEY: t.sandboxKey,
    DSYNC_ORGANIZATION_ID: dir.organizationId,
    ...env,
  });
  examples.push(run);
  return run;
}

const printedIds = (run: ExampleRun) => run.lines().map((line: { id: string }) => line.id);

async function startingPoint(): Promise<string> {
  const id = await lastEventId(t.url, t.sandboxKey, dir.directoryId);
  if (!id) throw new Error('the directory has no events yet');
  return id;
}

async function createUsers(count: number, overrides: Record<string, unknown> = {}): Promise<void> {
  for (let i = 0; i < count; i++) expect((await dir.scim.post('/Users', scimUserBody(overrides))).status).toBe(201);
}

/** Waits until the example has printed `last`, then checks it printed exactly the directory's events after `after`. */
async function expectExactlyEventsAfter(run: ExampleRun, after: string): Promise<void> {
  const stored = await allEvents(t.url, t.sandboxKey, { directoryId: dir.directoryId });
  const expected = stored.slice(stored.findIndex((event) => event.id === after) + 1);
  const last = expected.at(-1)?.id ?? '';
  await waitForRun(run, () => printedIds(run).includes(last), `the example to print event ${last}`, 30_000);
  expect(run.lines()).toEqual(expected.map(({ id, sequence, type }) => ({ id, sequence, type })));
}

function startServer(port: number): Run {
  const server = start({
    DATABASE_URL: database.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY.toString('hex'),
  });
  servers.push(server);
  return server;
}

describe('examples/subscribe-events.mjs', () => {
  it('resumes after a 4290 close without a gap or a duplicate', async () => {
    const after = await startingPoint();
    const run = subscriber(t.url, { DSYNC_AFTER: after });
    await createUsers(1);
    await waitForRun(run, () => run.lines().length === 1, 'the example to print the first event (it is live)');

    // Freeze the example: the kernel buffers fill with large events and the server closes it with 4290.
    const fast = await connectedClient(t.url, t.sandboxKey);
    clients.push(fast);
    const watcher = subscribeEvents(fast, {
      directoryId: dir.directoryId,
      after: await lastEventId(t.url, t.sandboxKey, dir.directoryId),
    });
    run.child.kill('SIGSTOP');
    const writes = 60;
    await createUsers(writes, { title: 'x'.repeat(300_000) });
    await within(watcher.take(writes), 30_000, 'a healthy subscriber to receive every write');
    run.child.kill('SIGCONT');

    await createUsers(3); // live again once it has resubscribed
    await expectExactlyEventsAfter(run, after);
    expect(run.stderr).toMatch(/closed \(4290\): resubscribing after/);
  }, 90_000);

  it('resumes after the server restarts without a gap or a duplicate', async () => {
    const port = await freePort();
    let server = startServer(port);
    await within(waitForOutput(server, /dsync is up/), 30_000, 'the server process to start');
    const after = await startingPoint();
    const run = subscriber(`http://127.0.0.1:${port}`, { DSYNC_AFTER: after });
    await createUsers(3);
    await waitForRun(run, () => run.lines().length === 3, 'the example to print the first three events');

    server.child.kill('SIGTERM');
    expect(await within(server.exited, 30_000, 'the server process to stop')).toBe(0);
    await createUsers(3); // committed while the example's server is down
    server = startServer(port);
    await within(waitForOutput(server, /dsync is up/), 30_000, 'the server process to start again');
    await createUsers(3);

    await expectExactlyEventsAfter(run, after);
    expect(run.stderr).toMatch(/closed \((1001|1006)\): resubscribing after/);
  }, 90_000);

  it('stops with the error, not a crash, when the server answers with an error result', async () => {
    // An event id from 2024, before the retention window: the server answers CURSOR_EXPIRED.
    const run = subscriber(t.url, { DSYNC_AFTER: '0190f000-0000-7000-8000-000000000000' });
    expect(await within(run.exited, 20_000, 'the example to exit')).toBe(1);
    expect(run.stderr).toMatch(/^stopped: \[.*"code":"CURSOR_EXPIRED"/m);
    expect(run.stderr).not.toMatch(/TypeError|at .*subscribe-events\.mjs/);
    expect(run.stdout).toBe('');
  });

  it('stops on a bad API key (4401) instead of retrying', async () => {
    const run = subscriber(t.url, { DSYNC_API_KEY: 'dsk_sandbox_nope' });
    expect(await within(run.exited, 20_000, 'the example to exit')).toBe(1);
    expect(run.stderr).toMatch(/^stopped: 4401 Unauthorized/m);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';

import { createDeferred } from '../fixtures/deferred.js';
import { connectedClient, subscribeEvents } from '../fixtures/events.js';
import { graphql, uniq } from '../fixtures/graphql.js';
import { withDeadline } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';
import { freePort, start, waitForOutput, type Run } from '../setup/process.js';

// Revoking a key through one server closes its sockets on that server and on another OS process
// (`node dist/src/main.js`) on the same PostgreSQL: the second process can only learn of it through NOTIFY.

let database: TestDatabase;
let local: TestApp;
let other: Run;
let otherUrl: string;
const clients: Client[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  local = await startTestApp({}, database);
  const port = await freePort();
  otherUrl = `http://127.0.0.1:${port}`;
  other = start({ DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: otherUrl });
  await waitForOutput(other, /dsync is up/);
});
afterAll(async () => {
  await Promise.all(clients.map(async (client) => client.dispose()));
  other.child.kill('SIGTERM');
  await other.exited;
  await local.close();
  await database.drop();
});

/** An acknowledged graphql-ws client and a promise of its close event. */
async function socket(baseUrl: string, key: string) {
  const closed = createDeferred<{ code: number; reason: string }>();
  const client = await connectedClient(baseUrl, key, closed.resolve);
  clients.push(client);
  return { client, closed: closed.promise };
}

describe('revokeApiKey', () => {
  it("closes the key's open subscription sockets with 4401 in every process, and only those", async () => {
    const created = await graphql(
      local.url,
      local.sandboxKey,
      'mutation($name: String!) { createApiKey(name: $name) { secret apiKey { id } } }',
      {
        name: uniq('revoked '),
      },
    );
    const { secret, apiKey } = created.data?.['createApiKey'] as { secret: string; apiKey: { id: string } };
    const onLocal = await socket(local.url, secret);
    const onOther = await socket(otherUrl, secret);
    const bystander = await socket(otherUrl, local.sandboxKey);
    const subscriptions = [
      subscribeEvents(onLocal.client),
      subscribeEvents(onOther.client),
      subscribeEvents(bystander.client),
    ];

    const revoked = await graphql(local.url, local.sandboxKey, 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', {
      id: apiKey.id,
    });
    expect(revoked.errors).toBeUndefined();

    expect(
      await withDeadline(onLocal.closed, { what: 'the socket on the revoking process to close', timeoutMs: 10_000 }),
    ).toEqual({ code: 4401, reason: 'API key revoked' });
    expect(
      await withDeadline(onOther.closed, { what: 'the socket on the other process to close', timeoutMs: 10_000 }),
    ).toEqual({ code: 4401, reason: 'API key revoked' });
    // Another key's socket on the same process keeps working.
    const result = createDeferred<unknown>();
    bystander.client.subscribe(
      { query: '{ viewer { apiKey { id } } }' },
      { next: result.resolve, error: result.reject, complete: () => undefined },
    );
    const viewer = (await withDeadline(result.promise, {
      what: "the bystander socket's query",
      timeoutMs: 10_000,
    })) as { data: { viewer: { apiKey: { id: string } } } };
    expect(viewer.data.viewer.apiKey.id).not.toBe(apiKey.id);
    expect(subscriptions[2]?.errors).toEqual([]);
  });
});

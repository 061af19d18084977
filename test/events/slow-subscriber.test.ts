import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';

import { createDeferred } from '../fixtures/deferred.js';
import { allEvents, connectedClient, PROVISIONING_EVENTS, subscribeEvents } from '../fixtures/events.js';
import { createTestDirectory, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { withDeadline } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// Events are published in rounds: one held back by a transaction elsewhere in the PostgreSQL cluster arrives
// together with the ones after it. The limit leaves the healthy subscriber room for such a burst.
const BUFFER_LIMIT = 25;
let t: TestApp;
let dir: TestDirectory;
let healthy: Client;
beforeAll(async () => {
  t = await startTestApp({ SUBSCRIPTION_BUFFER_LIMIT: String(BUFFER_LIMIT) });
  dir = await createTestDirectory(t.url, t.sandboxKey);
  healthy = await connectedClient(t.url, t.sandboxKey);
});
afterAll(async () => {
  await healthy.dispose();
  await t.close();
});

/** A graphql-transport-ws client written by hand, so the test can stop reading from its socket. */
async function rawSubscriber(
  variables: Record<string, unknown>,
): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const closed = createDeferred<{ code: number; reason: string }>();
  socket.on('close', (code, reason) => closed.resolve({ code, reason: reason.toString() }));
  const acked = createDeferred();
  socket.on('message', (data: Buffer) => {
    if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') acked.resolve();
  });
  await withDeadline(new Promise((resolve) => socket.once('open', resolve)), { what: 'the raw WebSocket to open' });
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.sandboxKey}` } }));
  await withDeadline(acked.promise, { what: 'connection_ack on the raw WebSocket' });
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: PROVISIONING_EVENTS, variables } }));
  return { socket, closed: closed.promise };
}

describe('a subscriber that stops reading', () => {
  it('is disconnected with close code 4290 while writers and other subscribers carry on', async () => {
    const after = (await allEvents(t.url, t.sandboxKey, { directoryId: dir.directoryId })).at(-1)?.id ?? null;
    const slow = await rawSubscriber({ directoryId: dir.directoryId, after });
    const fast = subscribeEvents(healthy, { directoryId: dir.directoryId, after });
    slow.socket.pause(); // stop reading: the kernel buffers fill, then the server's sends stall

    // Large events (each user carries ~300 KB) fill the socket buffers quickly.
    const writes = 60;
    const padding = 'x'.repeat(300_000);
    const statuses: number[] = [];
    for (let i = 0; i < writes; i++) {
      // The writer waits while the healthy subscriber is 10 events behind: both run in this process, and on
      // a loaded machine the reader could otherwise fall past the limit too. Only the paused one may.
      if (i >= 10) await fast.take(i - 9);
      statuses.push((await dir.scim.post('/Users', scimUserBody({ title: padding }))).status);
    }
    expect(statuses).toEqual(Array(writes).fill(201));

    const received = await fast.take(writes + 1); // dsync.activated + the users
    expect(received.map((r) => r.provisioningEvents.sequence)).toEqual(received.map((_, i) => i + 1));

    slow.socket.resume();
    expect(await withDeadline(slow.closed, { what: 'the server to close the slow socket' })).toEqual({
      code: 4290,
      reason: 'Subscriber too slow: resume with after',
    });
  });
});

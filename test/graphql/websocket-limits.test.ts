import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';

import { createDeferred } from '../fixtures/deferred.js';
import { connectedClient, PROVISIONING_EVENTS, subscribeEvents, subscriptionErrors } from '../fixtures/events.js';
import { withDeadline } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// Defaults: WS_MAX_PAYLOAD_BYTES 64 KiB, WS_MAX_SUBSCRIPTIONS_PER_SOCKET 20.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('WebSocket limits', () => {
  it('closes a socket whose connection_init is over WS_MAX_PAYLOAD_BYTES with 1009, without reading it', async () => {
    const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const closed = createDeferred<{ code: number; messages: string[] }>();
    const messages: string[] = [];
    socket.on('message', (data: Buffer) => messages.push(data.toString()));
    socket.on('close', (code) => closed.resolve({ code, messages }));
    socket.on('error', () => undefined); // the server's close frame ends the socket; reported through 'close'
    await withDeadline(new Promise((resolve) => socket.once('open', resolve)), {
      what: 'the WebSocket to open',
      timeoutMs: 10_000,
    });
    // 1 MiB of an unauthenticated connection_init: without the limit it is buffered, parsed and answered with 4401.
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: 'x', padding: 'a'.repeat(1024 * 1024) } }),
    );
    const { code, messages: received } = await withDeadline(closed.promise, {
      what: 'the server to close the oversized socket',
      timeoutMs: 10_000,
    });
    expect(code).toBe(1009);
    expect(received).toEqual([]);
  });

  it('refuses the 21st concurrent operation on one socket with TOO_MANY_SUBSCRIPTIONS, and accepts one after a completion', async () => {
    const client = await connectedClient(t.url, t.sandboxKey);
    try {
      const subscriptions = Array.from({ length: 20 }, () => subscribeEvents(client));
      const errors = (await withDeadline(subscriptionErrors(client, PROVISIONING_EVENTS), {
        what: 'the 21st subscription to be refused',
        timeoutMs: 10_000,
      })) as {
        message: string;
        extensions?: Record<string, unknown>;
      }[];
      expect(errors).toEqual([
        {
          message: 'At most 20 operations may run on one connection; complete one or open another connection',
          extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
        },
      ]);
      expect(subscriptions.flatMap((subscription) => subscription.errors)).toEqual([]);

      subscriptions[0]?.unsubscribe();
      // The socket still works: a query runs once a slot is free (completions are handled in order).
      const result = createDeferred<unknown>();
      client.subscribe(
        { query: '{ viewer { environment { name } } }' },
        { next: (value) => result.resolve(value), error: result.reject, complete: () => undefined },
      );
      expect(await withDeadline(result.promise, { what: 'a query after freeing a slot', timeoutMs: 10_000 })).toEqual({
        data: { viewer: { environment: { name: 'sandbox' } } },
      });
    } finally {
      await client.dispose();
    }
  });

  it('answers a document nested too deeply to parse with a GraphQL error, over WebSocket and HTTP (not 4500 or 500)', async () => {
    // A list literal nested 20,000 deep: 40 KB, under the payload limit, deeper than graphql-js's parser can recurse.
    const deep = `subscription { provisioningEvents(types: ${'['.repeat(20_000)}${']'.repeat(20_000)}) { id } }`;
    const client = await connectedClient(t.url, t.sandboxKey);
    try {
      const errors = (await withDeadline(subscriptionErrors(client, deep), {
        what: 'the deeply nested operation to be refused',
        timeoutMs: 10_000,
      })) as { message: string }[];
      expect(errors).toEqual([{ message: expect.stringMatching(/^Syntax Error/) }]);
      // The socket stays usable.
      const result = createDeferred<unknown>();
      client.subscribe(
        { query: '{ viewer { environment { name } } }' },
        { next: (value) => result.resolve(value), error: result.reject, complete: () => undefined },
      );
      expect(await withDeadline(result.promise, { what: 'a query after the refusal', timeoutMs: 10_000 })).toEqual({
        data: { viewer: { environment: { name: 'sandbox' } } },
      });
    } finally {
      await client.dispose();
    }
    const http = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.sandboxKey}` },
      body: JSON.stringify({ query: deep.replace(/^subscription/, 'query') }),
    });
    expect(http.status).toBe(400);
  });
});

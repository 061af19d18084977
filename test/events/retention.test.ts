import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';

import { createDeferred } from '../fixtures/deferred.js';
import { allEvents, connectedClient, eventsPage, subscriptionErrors, type EventPayload } from '../fixtures/events.js';
import { createTestDirectory, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { waitUntil, withDeadline } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// EVENT_RETENTION_DAYS accepts fractions: 0.00002 days is about 1.7 seconds, so the test can outlive it.
let t: TestApp;
let dir: TestDirectory;
let client: Client;
let expired: EventPayload[];
beforeAll(async () => {
  t = await startTestApp({ EVENT_RETENTION_DAYS: '0.00002' });
  dir = await createTestDirectory(t.url, t.sandboxKey);
  await dir.scim.post('/Users', scimUserBody());
  expired = await allEvents(t.url, t.sandboxKey, { directoryId: dir.directoryId });
  client = await connectedClient(t.url, t.sandboxKey);
});
afterAll(async () => {
  await client.dispose();
  await t.close();
});

const subscriptionError = (variables: Record<string, unknown>) =>
  subscriptionErrors(
    client,
    'subscription($directoryId: ID, $after: String, $afterSequence: Int) { provisioningEvents(directoryId: $directoryId, after: $after, afterSequence: $afterSequence) { id } }',
    variables,
  );

describe('event retention', () => {
  it('purges events older than EVENT_RETENTION_DAYS; resuming before them is CURSOR_EXPIRED', async () => {
    expect(expired.map((e) => e.type)).toEqual(['dsync.activated', 'dsync.user.created']);
    // Waiting for the clock is the point here.
    const purged = await waitUntil(async () => (await t.app.purgeExpiredEvents()) || false, {
      what: 'expired events to be purged',
      intervalMs: 250,
    });
    expect(purged).toBe(2);
    expect(await allEvents(t.url, t.sandboxKey, { directoryId: dir.directoryId })).toEqual([]);

    const cursorExpired = [
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'CURSOR_EXPIRED' }) }),
    ];
    expect(await subscriptionError({ after: expired[0]!.id })).toEqual(cursorExpired);
    expect(await subscriptionError({ directoryId: dir.directoryId, afterSequence: 0 })).toEqual(cursorExpired);
    expect((await eventsPage(t.url, t.sandboxKey, { after: expired[1]!.id })).errors).toEqual(cursorExpired);

    // Resuming at the newest sequence still works: nothing after it was lost.
    const next = (await dir.scim.post('/Users', scimUserBody())).body;
    const got = createDeferred<unknown>();
    client.subscribe(
      {
        query:
          'subscription($d: ID, $s: Int) { provisioningEvents(directoryId: $d, afterSequence: $s) { sequence data } }',
        variables: { d: dir.directoryId, s: 2 },
      },
      { next: (value) => got.resolve(value.data), error: got.reject, complete: () => undefined },
    );
    expect(await withDeadline(got.promise, { what: 'the event after the newest sequence' })).toEqual({
      provisioningEvents: {
        sequence: 3,
        data: expect.objectContaining({ after: expect.objectContaining({ id: next.id }) }),
      },
    });
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';

import { createDeferred } from '../fixtures/deferred.js';
import {
  allEvents,
  connectedClient,
  lastEventId as lastEventIdOf,
  subscribeEvents,
  subscriptionErrors,
  waitFor,
  type EventPayload,
} from '../fixtures/events.js';
import { graphql } from '../fixtures/graphql.js';
import { createTestDirectory, scimGroupBody, scimPatch, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { withDeadline } from '../fixtures/wait.js';
import { wsClient } from '../fixtures/ws.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
let dir: TestDirectory;
const leftovers: Client[] = [];
beforeAll(async () => {
  t = await startTestApp();
  dir = await createTestDirectory(t.url, t.sandboxKey);
});
afterEach(async () => {
  await Promise.all(leftovers.splice(0).map(async (client) => client.dispose()));
});
afterAll(async () => {
  await t.close();
});

async function client(
  key = t.sandboxKey,
  onClose?: (event: { code: number; reason: string }) => void,
): Promise<Client> {
  const connected = await connectedClient(t.url, key, onClose);
  leftovers.push(connected);
  return connected;
}

/** The newest event of a directory (the test's own by default). */
const lastEventId = (directory: TestDirectory = dir) => lastEventIdOf(t.url, t.sandboxKey, directory.directoryId);

const events = (received: { provisioningEvents: EventPayload }[]) => received.map((r) => r.provisioningEvents);

describe('subscription provisioningEvents', () => {
  it('delivers a SCIM change live, with before, after and changed', async () => {
    const sub = subscribeEvents(await client(), {
      directoryId: dir.directoryId,
      types: ['dsync.user.created', 'dsync.user.updated'],
    });
    // A live-only subscription starts when the server has processed `subscribe`; write until the first event shows.
    const first = sub.take(1);
    const warmUp: Promise<unknown>[] = [];
    const writer = setInterval(() => warmUp.push(dir.scim.post('/Users', scimUserBody())), 50);
    try {
      await first;
    } finally {
      clearInterval(writer);
    }
    // Every warm-up write commits before the writes asserted on: none of their events can fall in between.
    await Promise.all(warmUp);
    const user = (await dir.scim.post('/Users', scimUserBody())).body;
    await dir.scim.patch(`/Users/${user.id}`, scimPatch({ op: 'replace', path: 'name.familyName', value: 'Byron' }));
    const seen = await waitFor(
      sub.received,
      (all) => events(all).filter((e) => e.data.after?.id === user.id).length === 2,
      "the user's created and updated events",
    );
    const mine = events(seen).filter((e) => e.data.after?.id === user.id);
    expect(mine.map((e) => e.type)).toEqual(['dsync.user.created', 'dsync.user.updated']);
    expect(mine[1]).toMatchObject({
      directoryId: dir.directoryId,
      organizationId: dir.organizationId,
      sequence: mine[0]!.sequence + 1,
      data: {
        before: { lastName: 'Lovelace', version: 1 },
        after: { lastName: 'Byron', version: 2 },
        changed: ['lastName', 'displayName', 'name', 'name.familyName'],
      },
    });
    // Every event delivered is the committed row, as the events API returns it.
    const stored = await allEvents(t.url, t.sandboxKey, { directoryId: dir.directoryId });
    for (const event of events(seen)) expect(stored).toContainEqual(event);
  });

  it('resumes with after: first the missed events, then live ones, without gap or duplicate while writes continue', async () => {
    const after = await lastEventId();
    // Writes that happen "while the client was away".
    const missed: string[] = [];
    for (let i = 0; i < 5; i += 1) missed.push((await dir.scim.post('/Users', scimUserBody())).body.id);
    const sub = subscribeEvents(await client(), { directoryId: dir.directoryId, after });
    // More writes keep arriving while the subscription catches up and switches to live.
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, () => dir.scim.post('/Users', scimUserBody()).then((res) => res.body.id as string)),
    );
    const total = missed.length + concurrent.length;
    const received = events(await sub.take(total));
    const stored = (await allEvents(t.url, t.sandboxKey, { directoryId: dir.directoryId })).filter(
      (e) => e.sequence > received[0]!.sequence - 1,
    );
    expect(received).toEqual(stored.slice(0, total));
    expect(received.map((e) => e.sequence)).toEqual(received.map((_, i) => received[0]!.sequence + i));
    expect(new Set(received.map((e) => e.data.after.id))).toEqual(new Set([...missed, ...concurrent]));
  });

  it('resumes with afterSequence within one directory', async () => {
    const stored = await allEvents(t.url, t.sandboxKey, { directoryId: dir.directoryId });
    const from = stored.length - 2;
    const sub = subscribeEvents(await client(), { directoryId: dir.directoryId, afterSequence: from });
    const user = (await dir.scim.post('/Users', scimUserBody())).body;
    const received = events(await sub.take(3));
    expect(received.map((e) => e.sequence)).toEqual([from + 1, from + 2, from + 3]);
    expect(received[2]?.data.after.id).toBe(user.id);
  });

  it('filters by type, organization and directory', async () => {
    const other = await createTestDirectory(t.url, t.sandboxKey);
    const after = await lastEventId();
    const afterOther = await lastEventId(other);
    const c = await client();
    const groupsOnly = subscribeEvents(c, { directoryId: dir.directoryId, types: ['dsync.group.created'], after });
    const otherOrg = subscribeEvents(c, { organizationId: other.organizationId, after: afterOther });
    await dir.scim.post('/Users', scimUserBody());
    const group = (await dir.scim.post('/Groups', scimGroupBody())).body;
    const otherUser = (await other.scim.post('/Users', scimUserBody())).body;
    const [groupEvent] = events(await groupsOnly.take(1));
    expect(groupEvent).toMatchObject({ type: 'dsync.group.created', data: { after: { id: group.id } } });
    const otherEvents = events(await otherOrg.take(2));
    expect(otherEvents.map((e) => e.type)).toEqual(['dsync.activated', 'dsync.user.created']);
    expect(otherEvents[1]?.data.after.id).toBe(otherUser.id);
    expect(otherEvents.every((e) => e.organizationId === other.organizationId)).toBe(true);
  });

  it('is NOT_FOUND for an organization, directory or event of another environment', async () => {
    const production = await client(t.productionKey);
    const after = await lastEventId();
    for (const variables of [{ organizationId: dir.organizationId }, { directoryId: dir.directoryId }, { after }]) {
      const query = `subscription($organizationId: ID, $directoryId: ID, $after: String) { provisioningEvents(organizationId: $organizationId, directoryId: $directoryId, after: $after) { id } }`;
      expect(await subscriptionErrors(production, query, variables)).toEqual([
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) }),
      ]);
    }
  });

  it('never delivers events of another environment', async () => {
    const prodDir = await createTestDirectory(t.url, t.productionKey);
    const sandboxSub = subscribeEvents(await client(), { after: await lastEventId() });
    await prodDir.scim.post('/Users', scimUserBody());
    const marker = (await dir.scim.post('/Users', scimUserBody())).body;
    const received = await waitFor(
      sandboxSub.received,
      (all) => events(all).some((e) => e.data.after?.id === marker.id),
      'the sandbox marker event',
    );
    expect(events(received).every((e) => e.directoryId !== prodDir.directoryId)).toBe(true);
  });

  it.each([
    ['an unknown event type', { types: ['dsync.user.renamed'] }, 'BAD_USER_INPUT'],
    ['afterSequence without a directory', { afterSequence: 1 }, 'BAD_USER_INPUT'],
    ['an after that is not an event', { after: '0190f0b8-0000-7000-8000-000000000000' }, 'CURSOR_EXPIRED'],
    ['an unknown after id', { after: '0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a' }, 'NOT_FOUND'],
  ])('rejects %s with a clear error', async (_name, variables, code) => {
    const query = `subscription($types: [String!], $after: String, $afterSequence: Int) { provisioningEvents(types: $types, after: $after, afterSequence: $afterSequence) { id } }`;
    expect(await subscriptionErrors(await client(), query, variables)).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code }) }),
    ]);
  });
});

describe('graphql-ws authentication', () => {
  it.each([
    ['no authorization', undefined],
    ['a wrong key', 'Bearer dsk_sandbox_wrongwrongwrongwrongwrongwrongwrongwrongwro'],
  ])('closes a socket with %s using code 4401', async (_name, authorization) => {
    const closed = createDeferred<{ code: number; reason: string }>();
    const c = wsClient(t.url, authorization, (event) => closed.resolve(event));
    leftovers.push(c);
    expect(await withDeadline(closed.promise, { what: 'the server to close the socket' })).toEqual({
      code: 4401,
      reason: 'Unauthorized',
    });
  });

  it('closes the sockets of a revoked key with 4401 and refuses it from then on', async () => {
    const created = (
      await graphql(
        t.url,
        t.sandboxKey,
        `
          mutation {
            createApiKey(name: "ws") {
              secret
              apiKey {
                id
              }
            }
          }
        `,
      )
    ).data?.['createApiKey'];
    const closed = createDeferred<{ code: number; reason: string }>();
    const c = await client(created.secret, closed.resolve);
    await graphql(
      t.url,
      t.sandboxKey,
      `
        mutation ($id: ID!) {
          revokeApiKey(id: $id) {
            id
          }
        }
      `,
      { id: created.apiKey.id },
    );
    expect(
      await withDeadline(closed.promise, { what: "the revoked key's socket to close", timeoutMs: 10_000 }),
    ).toEqual({ code: 4401, reason: 'API key revoked' });
    // Subscribing again connects again, and the key is refused at connection_init.
    const refused = (await withDeadline(subscriptionErrors(c, 'subscription { provisioningEvents { id } }'), {
      what: 'the reconnect to be refused',
      timeoutMs: 10_000,
    })) as { code: number; reason: string };
    expect({ code: refused.code, reason: refused.reason }).toEqual({ code: 4401, reason: 'Unauthorized' });
  });
});

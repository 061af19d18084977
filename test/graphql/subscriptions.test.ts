import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import { createOrganizationAs, graphql } from '../fixtures/graphql.js';
import { createDeferred } from '../fixtures/deferred.js';
import { subscribe, wsClient } from '../fixtures/ws.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
const leftovers: Client[] = [];
beforeAll(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await Promise.all(leftovers.splice(0).map((client) => client.dispose()));
});
afterAll(async () => {
  await t.close();
});

const ORGANIZATION_EVENTS = `subscription { organizationEvents { type occurredAt organization { id name domain } } }`;

interface EventData {
  organizationEvents: { type: string; organization: { id: string; name: string; domain: string | null } };
}

function connect(authorization: string | undefined, onClose?: (event: { code: number; reason: string }) => void): Client {
  const client = wsClient(t.url, authorization, onClose);
  leftovers.push(client);
  return client;
}

/** Subscribes and waits until the server has acknowledged the connection. */
async function connected(authorization: string): Promise<Client> {
  const acked = createDeferred();
  const client = connect(authorization);
  client.on('connected', () => acked.resolve());
  await acked.promise;
  return client;
}

describe('subscription organizationEvents', () => {
  it('delivers created, updated and deleted events of the caller environment', async () => {
    const client = await connected(`Bearer ${t.sandboxKey}`);
    const sub = subscribe<EventData>(client, ORGANIZATION_EVENTS);
    // The subscription is registered asynchronously after `subscribe`; an event published earlier is not replayed,
    // so wait for a first event we keep producing until it arrives.
    const firstSeen = sub.take(1);
    let org = await createOrganizationAs(t.url, t.sandboxKey);
    const timer = setInterval(() => void createOrganizationAs(t.url, t.sandboxKey).catch(() => undefined), 50);
    try {
      await firstSeen;
    } finally {
      clearInterval(timer);
    }
    org = await createOrganizationAs(t.url, t.sandboxKey, { name: 'Watched' });
    await graphql(t.url, t.sandboxKey, `mutation($id: ID!) { updateOrganization(id: $id, input: { name: "Watched 2" }) { id } }`, { id: org.id });
    await graphql(t.url, t.sandboxKey, `mutation($id: ID!) { deleteOrganization(id: $id) }`, { id: org.id });
    const events = await waitFor(sub.received, (all) => all.filter((e) => e.organizationEvents.organization.id === org.id).length === 3);
    expect(events.filter((e) => e.organizationEvents.organization.id === org.id).map((e) => e.organizationEvents)).toEqual([
      { type: 'CREATED', occurredAt: expect.any(String), organization: { id: org.id, name: 'Watched', domain: null } },
      { type: 'UPDATED', occurredAt: expect.any(String), organization: { id: org.id, name: 'Watched 2', domain: null } },
      { type: 'DELETED', occurredAt: expect.any(String), organization: { id: org.id, name: 'Watched 2', domain: null } },
    ]);
  });

  it('never delivers events of another environment', async () => {
    const production = await connected(t.productionKey); // bare key, as some clients send it
    const sandbox = await connected(`Bearer ${t.sandboxKey}`);
    const productionSub = subscribe<EventData>(production, ORGANIZATION_EVENTS);
    const sandboxSub = subscribe<EventData>(sandbox, ORGANIZATION_EVENTS);
    const both = Promise.all([productionSub.take(1), sandboxSub.take(1)]);
    const timer = setInterval(() => {
      void createOrganizationAs(t.url, t.sandboxKey, { name: 'sandbox-only' }).catch(() => undefined);
      void createOrganizationAs(t.url, t.productionKey, { name: 'production-only' }).catch(() => undefined);
    }, 50);
    try {
      await both;
    } finally {
      clearInterval(timer);
    }
    expect(sandboxSub.received.every((e) => e.organizationEvents.organization.name === 'sandbox-only')).toBe(true);
    expect(productionSub.received.every((e) => e.organizationEvents.organization.name === 'production-only')).toBe(true);
  });

  it.each([
    ['no authorization', undefined],
    ['a wrong key', 'Bearer dsk_sandbox_wrongwrongwrongwrongwrongwrongwrongwrongwro'],
  ])('closes a socket with %s using code 4401', async (_name, authorization) => {
    const closed = createDeferred<{ code: number; reason: string }>();
    connect(authorization, (event) => closed.resolve(event));
    expect(await closed.promise).toEqual({ code: 4401, reason: 'Unauthorized' });
  });

  it('refuses new subscriptions once the key is revoked', async () => {
    const created = (await graphql(t.url, t.sandboxKey, `mutation { createApiKey(name: "ws") { secret apiKey { id } } }`)).data?.['createApiKey'];
    const client = await connected(`Bearer ${created.secret}`);
    await graphql(t.url, t.sandboxKey, `mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: created.apiKey.id });
    const failed = createDeferred<unknown>();
    client.subscribe({ query: ORGANIZATION_EVENTS }, { next: () => undefined, error: failed.resolve, complete: () => undefined });
    expect(await failed.promise).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
  });

  it('applies the depth limit to subscriptions too', async () => {
    const client = await connected(`Bearer ${t.sandboxKey}`);
    const failed = createDeferred<unknown>();
    const deep = `subscription { organizationEvents { organization { directories { edges { node { organization { directories { edges { node { organization { directories { edges { node { id } } } } } } } } } } } } } }`;
    client.subscribe({ query: deep }, { next: () => undefined, error: failed.resolve, complete: () => undefined });
    expect(await failed.promise).toEqual([expect.objectContaining({ message: expect.stringMatching(/depth limit of 12 exceeded/) })]);
  });
});

/** Resolves once `predicate(list)` holds; re-checks whenever the list grows (no fixed sleeps). */
async function waitFor<T>(list: T[], predicate: (all: T[]) => boolean): Promise<T[]> {
  while (!predicate(list)) await new Promise((resolve) => setImmediate(resolve));
  return list;
}

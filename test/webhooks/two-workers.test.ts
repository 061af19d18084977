import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { graphql } from '../fixtures/graphql.js';
import { startReceiver, type Receiver } from '../fixtures/receiver.js';
import { createTestDirectory, scimClient, scimUserBody } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

// Two processes with workers on one database, writes spread over both: each event is delivered once.

let database: TestDatabase;
let apps: TestApp[];
let receiver: Receiver;
beforeAll(async () => {
  database = await createTestDatabase();
  const env = { WEBHOOK_POLL_INTERVAL_MS: '100' };
  apps = [await startTestApp(env, database), await startTestApp(env, database)];
  receiver = await startReceiver();
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await receiver.close();
  await database.drop();
});

describe('webhook workers in two processes', () => {
  it('deliver every event exactly once when nothing fails', async () => {
    const [a, b] = apps as [TestApp, TestApp];
    const key = a.sandboxKey;
    const dir = await createTestDirectory(a.url, key);
    const hook = (
      await graphql(
        a.url,
        key,
        `
          mutation ($u: String!) {
            createWebhook(input: { url: $u, eventTypes: ["dsync.user.created"] }) {
              secret
              webhook {
                id
              }
            }
          }
        `,
        { u: receiver.url },
      )
    ).data?.['createWebhook'];
    receiver.secret = hook.secret;
    const clients = [dir.scim, scimClient(`${b.url}/scim/v2/${dir.directoryId}`, dir.token)];
    const writes = 60;
    const users = await Promise.all(
      Array.from({ length: writes }, (_, i) =>
        clients[i % 2]!.post('/Users', scimUserBody()).then((r) => r.body.id as string),
      ),
    );
    // Once every delivery is recorded as succeeded, nothing can send it again: then count what arrived.
    const log = `query($id: ID!) { webhook(id: $id) { deliveries(first: 100, filter: { status: SUCCEEDED }) { totalCount edges { node { attemptCount } } } } }`;
    type Succeeded = { totalCount: number; edges: { node: { attemptCount: number } }[] };
    const succeeded = await waitUntil(
      async () => {
        const page: Succeeded = (await graphql(a.url, key, log, { id: hook.webhook.id })).data?.['webhook'].deliveries;
        return page.totalCount >= writes && page;
      },
      { what: `${writes} succeeded deliveries`, intervalMs: 50 },
    );
    expect(succeeded.edges.every((edge) => edge.node.attemptCount === 1)).toBe(true);
    expect(receiver.received).toHaveLength(writes);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(writes);
    expect(new Set(receiver.received.map((r) => r.event.data.after.id))).toEqual(new Set(users));
    expect(receiver.received.every((r) => r.verified)).toBe(true);
  });
});

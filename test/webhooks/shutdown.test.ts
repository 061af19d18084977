import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';

import { graphql } from '../fixtures/graphql.js';
import { startReceiver, type Receiver } from '../fixtures/receiver.js';
import { createTestDirectory, scimGroupBody } from '../fixtures/scim.js';
import { withDeadline } from '../fixtures/wait.js';
import { startTestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

// A receiver that never answers while the app shuts down: the worker aborts the attempt instead of waiting
// for WEBHOOK_TIMEOUT_MS (a minute here), and the delivery stays due for the next start.

jest.setTimeout(60_000);

const SHUTDOWN_BUDGET_MS = 10_000; // SHUTDOWN_TIMEOUT_MS's default
const env = {
  WEBHOOK_TIMEOUT_MS: '60000',
  WEBHOOK_STALE_LOCK_MS: '180000',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_RETRY_DELAYS: '100ms',
};

let database: TestDatabase;
let receiver: Receiver;
beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await database.drop();
});

async function deliveryRows(): Promise<
  { status: string; attempt_count: number; lease_until: Date | null; attempts: { success: boolean }[] }[]
> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query('select status, attempt_count, lease_until, attempts from webhook_deliveries')).rows;
  } finally {
    await client.end();
  }
}

type Row = Awaited<ReturnType<typeof deliveryRows>>[number];

/** Polls the one delivery row until `predicate` holds; fails naming `what` after `ms`. */
async function rowWhen(predicate: (row: Row) => boolean, ms: number, what: string): Promise<Row> {
  const deadline = Date.now() + ms;
  for (;;) {
    const [row] = await deliveryRows();
    if (row && predicate(row)) return row;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('webhook worker shutdown', () => {
  it('aborts an attempt in flight on close; the delivery stays due and is delivered after a restart', async () => {
    const first = await startTestApp(env, database);
    const dir = await createTestDirectory(first.url, first.sandboxKey);
    const hook = (
      await graphql(
        first.url,
        first.sandboxKey,
        `
          mutation ($u: String!) {
            createWebhook(input: { url: $u, eventTypes: ["dsync.group.created"] }) {
              secret
            }
          }
        `,
        { u: receiver.url },
      )
    ).data?.['createWebhook'];
    receiver.secret = hook.secret;
    receiver.respond = () => 'hang';
    await dir.scim.post('/Groups', scimGroupBody());
    await receiver.until((all) => all.length === 1, {
      what: 'the first attempt reaching the receiver',
      timeoutMs: 10_000,
    });

    await withDeadline(first.close(), { what: 'app.close() with an attempt in flight', timeoutMs: SHUTDOWN_BUDGET_MS });
    // Not recorded as a failed attempt: no retry is used up, and no lease keeps it from the next worker.
    expect(await deliveryRows()).toEqual([{ status: 'pending', attempt_count: 0, lease_until: null, attempts: [] }]);

    receiver.respond = () => ({ status: 200, body: 'ok' });
    const second = await startTestApp(env, database);
    try {
      await receiver.until((all) => all.length === 2, { what: 'the delivery after the restart', timeoutMs: 10_000 });
      expect(receiver.received[1]?.headers['webhook-id']).toBe(receiver.received[0]?.headers['webhook-id']);
      expect(receiver.received[1]?.verified).toBe(true);
      const row = await rowWhen((r) => r.status === 'succeeded', 10_000, 'the delivery being recorded as succeeded');
      expect(row).toMatchObject({ status: 'succeeded', attempt_count: 1 });
      expect(row?.attempts.map((a) => a.success)).toEqual([true]);
    } finally {
      await second.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';

import { graphql } from '../fixtures/graphql.js';
import { startReceiver, type Receiver } from '../fixtures/receiver.js';
import { scimClient, scimUserBody } from '../fixtures/scim.js';
import { withDeadline } from '../fixtures/wait.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';
import { exitCode, freePort, start, waitForOutput, type Run } from '../setup/process.js';

// kill -9 a real server process in the middle of a burst of SCIM writes, start it again, and check that the
// event of every committed write reaches the endpoint (at least once: the receiver de-duplicates by webhook-id).

jest.setTimeout(120_000);

let database: TestDatabase;
let receiver: Receiver;
let env: Record<string, string>;
let url: string;
const runs: Run[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await startReceiver();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = {
    DATABASE_URL: database.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    ENCRYPTION_KEY: '11'.repeat(32),
    WEBHOOK_RETRY_DELAYS: '200ms,500ms,1s,2s,2s,2s',
    WEBHOOK_POLL_INTERVAL_MS: '100',
    WEBHOOK_STALE_LOCK_MS: '3000',
    WEBHOOK_TIMEOUT_MS: '1000', // attempt leases last 2 × timeout + 5 s
  };
});
afterAll(async () => {
  for (const run of runs) {
    run.child.kill('SIGKILL');
    await exitCode(run, 'a server to exit after SIGKILL');
  }
  await receiver.close();
  await database.drop();
});

async function startServer(): Promise<Run> {
  const run = start(env);
  runs.push(run);
  await waitForOutput(run, /dsync is up/);
  return run;
}

async function committedEventIds(): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return new Set(
      (await client.query<{ id: string }>('select id from events where position is not null')).rows.map(
        (row) => row.id,
      ),
    );
  } finally {
    await client.end();
  }
}

describe('webhook delivery across a crash', () => {
  it('delivers the event of every committed write after kill -9 and a restart', async () => {
    const first = await startServer();
    const key = /sandbox\s+(dsk_\S+)/.exec(first.stdout)?.[1] ?? '';
    const org = (
      await graphql(
        url,
        key,
        `
          mutation {
            createOrganization(input: { name: "Crash" }) {
              id
            }
          }
        `,
      )
    ).data?.['createOrganization'];
    const dir = (
      await graphql(
        url,
        key,
        `
          mutation ($o: ID!) {
            createDirectory(input: { organizationId: $o, name: "d", provider: OKTA }) {
              token
              directory {
                id
              }
            }
          }
        `,
        { o: org.id },
      )
    ).data?.['createDirectory'];
    const hook = (
      await graphql(
        url,
        key,
        `
          mutation ($u: String!) {
            createWebhook(input: { url: $u }) {
              secret
            }
          }
        `,
        { u: receiver.url },
      )
    ).data?.['createWebhook'];
    receiver.secret = hook.secret;
    const scim = scimClient(`${url}/scim/v2/${dir.directory.id}`, dir.token);

    const total = 500;
    let answered = 0;
    let next = 0;
    const killed = new Promise<void>((resolve) => {
      const writer = async () => {
        while (next < total) {
          next += 1;
          const ok = await scim.post('/Users', scimUserBody()).then(
            () => true,
            () => false,
          );
          if (ok) answered += 1;
          if (answered === 150 && first.child.exitCode === null && !first.child.killed) {
            first.child.kill('SIGKILL');
            resolve();
          }
        }
      };
      void Promise.all(Array.from({ length: 20 }, writer)).then(() => resolve());
    });
    await withDeadline(killed, { what: '150 answered writes before the kill', timeoutMs: 60_000 });
    await exitCode(first, 'the first server to exit after SIGKILL');
    expect(answered).toBeGreaterThanOrEqual(150);
    expect(answered).toBeLessThan(total);

    await startServer();
    const committed = await committedEventIds();
    expect(committed.size).toBeGreaterThan(150);
    const received = await receiver.until(
      (all) => {
        const ids = new Set(all.map((r) => String(r.headers['webhook-id'])));
        return [...committed].every((id) => ids.has(id));
      },
      { what: `webhooks for all ${committed.size} committed events`, timeoutMs: 90_000 },
    );
    const receivedIds = new Set(received.map((r) => String(r.headers['webhook-id'])));
    expect([...receivedIds].every((id) => committed.has(id))).toBe(true); // nothing that did not commit
    expect(received.every((r) => r.verified)).toBe(true);
  });
});

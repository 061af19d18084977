import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { newId } from '../../src/lib/ids.js';
import { graphql } from '../fixtures/graphql.js';
import { databaseEventsPublished } from '../fixtures/published.js';
import { startReceiver, type Receiver } from '../fixtures/receiver.js';
import { createTestDirectory, scimUserBody } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase } from '../setup/db.js';

// The sequencer publishes (numbers) events only once every transaction that could still insert before them
// has ended; a round that dies publishes nothing. Events are inserted by SQL, as writers do, from several
// connections whose transactions the tests hold open, commit and roll back at will.

let t: TestApp;
let receiver: Receiver;
const clients: pg.Client[] = [];
let environmentId: string;

beforeAll(async () => {
  // No delivery attempts: the deliveries the sequencer creates stay pending, for the test to count.
  t = await startTestApp({ WEBHOOK_WORKERS: '0' });
  receiver = await startReceiver();
  for (let i = 0; i < 3; i++) {
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    clients.push(client);
  }
  environmentId = (await clients[0]!.query<{ id: string }>("select id from environments where name = 'sandbox'"))
    .rows[0]!.id;
});
afterEach(async () => {
  for (const client of clients) await client.query('rollback').catch(() => undefined);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.end()));
  await receiver.close();
  await t.close();
});

/** Inserts one event of `directory` on `client` (in its open transaction, if any); resolves with its id. */
async function insertEvent(client: pg.Client, directory: string, environment = environmentId): Promise<string> {
  const id = newId();
  await client.query(
    `insert into events (id, environment_id, organization_id, directory_id, type, data, created_at)
     values ($1, $2, $3, $4, 'dsync.user.created', '{}', now())`,
    [id, environment, randomUUID(), directory],
  );
  return id;
}

interface Numbered {
  id: string;
  position: number | null;
  sequence: number | null;
  directory_id: string;
}

async function numbered(ids: readonly string[]): Promise<Numbered[]> {
  const { rows } = await clients[2]!.query<Numbered & { position: string | null }>(
    'select id, position, sequence, directory_id from events where id = any($1::uuid[]) order by position, id',
    [ids],
  );
  return rows.map((row) => ({ ...row, position: row.position === null ? null : Number(row.position) }));
}

async function newestPosition(): Promise<number> {
  await databaseEventsPublished(t.database.url);
  const { rows } = await clients[2]!.query<{ p: string | null }>('select max(position) as p from events');
  return Number(rows[0]?.p ?? 0);
}

async function published(ids: readonly string[], what: string): Promise<Numbered[]> {
  return waitUntil(
    async () => {
      const rows = await numbered(ids);
      return rows.length === ids.length && rows.every((row) => row.position !== null) && rows;
    },
    { what },
  );
}

describe('the sequencer', () => {
  it('holds back events committed after an older open transaction, then publishes all in one order without gaps', async () => {
    const [older, open, writer] = clients as [pg.Client, pg.Client, pg.Client];
    const [d1, d2, d3] = [randomUUID(), randomUUID(), randomUUID()];
    const before = await newestPosition();
    await older.query('begin');
    const first = await insertEvent(older, d3); // the oldest transaction id of the three
    await open.query('begin');
    const held = await insertEvent(open, d1); // stays open
    const later = [await insertEvent(writer, d2), await insertEvent(writer, d1)]; // committed, younger than `open`
    await older.query('commit');
    // A round that ran after `later` committed has published `first` (older than `open`) ...
    await published([first], 'the event of the transaction older than the open one to be published');
    // ... and not the events committed by a transaction younger than the open one.
    expect((await numbered(later)).map((row) => row.position)).toEqual([null, null]);

    await open.query('commit');
    const rows = await published(
      [first, held, ...later],
      'every event to be published once the open transaction ended',
    );
    expect(rows.map((row) => row.id)).toEqual([first, held, ...later]); // insert order
    expect(rows.map((row) => row.position)).toEqual([1, 2, 3, 4].map((n) => before + n));
    const sequences = (directory: string) =>
      rows.filter((row) => row.directory_id === directory).map((row) => row.sequence);
    expect([sequences(d1), sequences(d2), sequences(d3)]).toEqual([[1, 2], [1], [1]]);
  });

  it('leaves no gap for a rolled-back transaction, and publishes what it held back once it ended', async () => {
    const [rolledBack, writer] = clients as [pg.Client, pg.Client];
    const directory = randomUUID();
    const before = await newestPosition();
    await rolledBack.query('begin');
    await insertEvent(rolledBack, directory);
    const committed = await insertEvent(writer, directory);
    await rolledBack.query('rollback');
    const [row] = await published([committed], 'the committed event held back by the rolled-back transaction');
    expect(row).toMatchObject({ position: before + 1, sequence: 1 });
    const counter = await writer.query('select last_sequence from directory_event_counters where directory_id = $1', [
      directory,
    ]);
    expect(counter.rows).toEqual([{ last_sequence: 1 }]);
  });

  it('never purges an event that is still waiting for publication, however old', async () => {
    const [open, writer] = clients as [pg.Client, pg.Client];
    const directory = randomUUID();
    await open.query('begin');
    await insertEvent(open, randomUUID()); // holds back what commits after it
    const old = newId();
    await writer.query(
      `insert into events (id, environment_id, organization_id, directory_id, type, data, created_at)
       values ($1, $2, $3, $4, 'dsync.user.created', '{}', now() - interval '400 days')`,
      [old, environmentId, randomUUID(), directory],
    );
    await t.app.purgeExpiredEvents();
    expect(await numbered([old])).toEqual([expect.objectContaining({ id: old, position: null })]);
    await open.query('rollback');
    await published([old], 'the old event to be published once the open transaction ended');
    expect(await t.app.purgeExpiredEvents()).toBeGreaterThanOrEqual(1);
    expect(await numbered([old])).toEqual([]);
  });

  it('publishes nothing of a numbering round whose backend is terminated midway; the next round publishes all', async () => {
    const [locker, writer, reader] = clients as [pg.Client, pg.Client, pg.Client];
    const created = await graphql(
      t.url,
      t.sandboxKey,
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }',
      { input: { url: receiver.url } },
    );
    expect(created.errors).toBeUndefined();
    const webhookId: string = created.data?.['createWebhook'].webhook.id;
    const directory = randomUUID();
    await newestPosition();
    // The round numbers the events, then waits to insert their deliveries: terminated there.
    await locker.query('begin');
    await locker.query('lock table webhook_deliveries in exclusive mode');
    const ids = [await insertEvent(writer, directory), await insertEvent(writer, directory)];
    const pid = await waitUntil(
      async () =>
        (
          await reader.query<{ pid: number }>(
            `select pid from pg_stat_activity where datname = current_database()
                and application_name = 'dsync-sequencer' and wait_event_type = 'Lock'`,
          )
        ).rows[0]?.pid,
      { what: 'the numbering round to wait for the delivery table' },
    );
    await reader.query('select pg_terminate_backend($1)', [pid]);
    await waitUntil(
      async () => (await reader.query('select 1 from pg_stat_activity where pid = $1', [pid])).rows.length === 0,
      { what: 'the terminated sequencer backend to end' },
    );
    expect((await numbered(ids)).map((row) => row.position)).toEqual([null, null]);
    expect(
      (await reader.query('select 1 from directory_event_counters where directory_id = $1', [directory])).rows,
    ).toEqual([]);

    await locker.query('rollback');
    const rows = await published(ids, 'the events to be published after the terminated round');
    expect(rows.map((row) => row.sequence)).toEqual([1, 2]);
    const deliveries = await reader.query<{ event_id: string }>(
      'select event_id from webhook_deliveries where webhook_id = $1 order by event_id',
      [webhookId],
    );
    expect(deliveries.rows.map((row) => row.event_id)).toEqual([...ids].sort());
  });
});

describe('events written while no process runs', () => {
  it('are published when a process starts', async () => {
    const database = await createTestDatabase();
    let app = await startTestApp({}, database);
    await app.close(); // migrated, and stopped
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const environment = (await client.query<{ id: string }>('select id from environments limit 1')).rows[0]!.id;
      const directory = randomUUID();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await insertEvent(client, directory, environment));
      app = await startTestApp({}, database);
      await databaseEventsPublished(database.url);
      const { rows } = await client.query<{ id: string; sequence: number }>(
        'select id, sequence from events where directory_id = $1 order by position',
        [directory],
      );
      expect(rows).toEqual(ids.map((id, i) => ({ id, sequence: i + 1 })));
    } finally {
      await client.end();
      await app.close();
      await database.drop();
    }
  });
});

describe('a process publishes its own writes at once', () => {
  it('wakes its sequencer after a plain-SQL commit and after an ORM commit, long before its poll', async () => {
    // A poll of a minute: only the wake-up after the writer's commit can publish within the deadline.
    const app = await startTestApp({ EVENTS_POLL_INTERVAL_MS: '60000' });
    const client = new pg.Client({ connectionString: app.database.url });
    await client.connect();
    const published = (type: string) =>
      waitUntil(
        async () =>
          (
            await client.query<{ n: string }>(
              'select count(*) as n from events where type = $1 and position is not null',
              [type],
            )
          ).rows[0]?.n === '1',
        { what: `the ${type} event to be published before the sequencer's poll`, timeoutMs: 10_000 },
      );
    try {
      const dir = await createTestDirectory(app.url, app.sandboxKey);
      expect((await dir.scim.post('/Users', scimUserBody())).status).toBe(201);
      await published('dsync.user.created');
      const res = await graphql(
        app.url,
        app.sandboxKey,
        'mutation($id: ID!) { updateDirectory(id: $id, input: { state: INACTIVE }) { directory { id } } }',
        { id: dir.directoryId },
      );
      expect(res.errors).toBeUndefined();
      await published('dsync.deactivated');
    } finally {
      await client.end();
      await app.close();
    }
  });
});

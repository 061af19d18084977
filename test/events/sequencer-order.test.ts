import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { newId } from '../../src/lib/ids.js';
import { graphql } from '../fixtures/graphql.js';
import { createTestDirectory } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// The sequencer's publication order against the order in which conflicting transactions committed.

let t: TestApp;
const clients: pg.Client[] = [];
let environmentId: string;

beforeAll(async () => {
  t = await startTestApp({ WEBHOOK_WORKERS: '0' });
  for (let i = 0; i < 5; i++) {
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
  await t.close();
});

async function insertEvent(client: pg.Client, directory: string, type = 'dsync.user.updated'): Promise<string> {
  const id = newId();
  await client.query(
    `insert into events (id, environment_id, organization_id, directory_id, type, data, created_at)
     values ($1, $2, $3, $4, $5, '{}', now())`,
    [id, environmentId, randomUUID(), directory, type],
  );
  return id;
}

async function rows(ids: readonly string[]) {
  const { rows } = await clients[4]!.query<{ id: string; position: string | null; sequence: number | null }>(
    'select id, position, sequence from events where id = any($1::uuid[]) order by position',
    [ids],
  );
  return rows;
}

const published = (ids: readonly string[], what: string) =>
  waitUntil(
    async () => {
      const found = await rows(ids);
      return found.length === ids.length && found.every((row) => row.position !== null) && found;
    },
    { what },
  );

describe('sequencer order (review)', () => {
  it('publishes the event of a transaction that waited for another one after that one', async () => {
    const [waiter, marker, old, holder] = clients as [pg.Client, pg.Client, pg.Client, pg.Client];
    const directory = randomUUID();
    // waiter: takes its xid first (deleteUser locks the user's groups FOR UPDATE before the user row).
    await waiter.query('begin');
    await waiter.query('select pg_current_xact_id()');
    await marker.query('begin');
    const mark = await insertEvent(marker, randomUUID(), 'dsync.user.created');
    // old: any other writer still running (a SCIM write of another tenant).
    await old.query('begin');
    await old.query('select pg_current_xact_id()');
    // holder: updateUser — locks the user row, records user.updated, commits.
    await holder.query('begin');
    await holder.query('select pg_advisory_xact_lock(4242)');
    const updated = await insertEvent(holder, directory, 'dsync.user.updated');
    const waiting = waiter.query('select pg_advisory_xact_lock(4242)'); // waits for holder's row lock
    await holder.query('commit');
    await waiting;
    const deleted = await insertEvent(waiter, directory, 'dsync.user.deleted');
    await waiter.query('commit');
    await marker.query('commit');
    await published([mark], 'a numbering round after both commits');
    await old.query('commit');
    const found = await published([updated, deleted], 'both events to be published');
    // Commit (and lock) order: updated, then deleted. A consumer applying `sequence` order must end deleted.
    expect(found.map((row) => row.id)).toEqual([updated, deleted]);
  });

  it('publishes a deactivation that committed after a concurrent activation after it', async () => {
    const [activation, watcher, old] = clients as [pg.Client, pg.Client, pg.Client];
    const dir = await createTestDirectory(t.url, t.sandboxKey);
    // Any other writer still open (another tenant's SCIM write): both commits below are published in one round.
    await old.query('begin');
    await old.query('select pg_current_xact_id()');
    const directoryEvents = async () =>
      (
        await watcher.query<{ type: string; position: string | null }>(
          'select type, position from events where directory_id = $1 order by position',
          [dir.directoryId],
        )
      ).rows;
    // The IdP's first request (markDirectorySynced): pending -> active under the row lock, then its event.
    await activation.query('begin');
    await activation.query(
      "update directories set state = 'active', last_sync_at = now() where id = $1 and state = 'pending'",
      [dir.directoryId],
    );
    // Meanwhile an admin switches the directory off: its flush inserts the event, then waits for the row.
    const mutation = graphql(
      t.url,
      t.sandboxKey,
      'mutation($id: ID!) { updateDirectory(id: $id, input: { state: INACTIVE }) { directory { state } } }',
      { id: dir.directoryId },
    );
    await waitUntil(
      async () =>
        (
          await watcher.query(
            `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
                and query ilike '%directories%'`,
          )
        ).rows.length > 0,
      { what: 'the deactivation to wait for the directory row' },
    );
    await insertEvent(activation, dir.directoryId, 'dsync.activated');
    await activation.query('commit');
    const result = await mutation;
    expect(result.errors).toBeUndefined();
    const state = (await watcher.query('select state from directories where id = $1', [dir.directoryId])).rows[0];
    expect(state).toEqual({ state: 'inactive' });
    await old.query('commit');
    const events = await waitUntil(
      async () => {
        const rows = await directoryEvents();
        return rows.length === 2 && rows.every((row) => row.position !== null) && rows;
      },
      { what: 'both state events to be published' },
    );
    // The last event must describe the final state (inactive), as commit order would have it.
    expect(events.map((row) => row.type)).toEqual(['dsync.activated', 'dsync.deactivated']);
  });

  it('publishes a committed event whose xid is above the current xid counter (restored from another cluster)', async () => {
    const [writer] = clients as [pg.Client];
    const id = newId();
    await writer.query(
      `insert into events (id, environment_id, organization_id, directory_id, type, data, created_at, xid)
       values ($1, $2, $3, $4, 'dsync.user.created', '{}', now(),
               ((pg_current_xact_id()::text)::bigint + 100000000)::text::xid8)`,
      [id, environmentId, randomUUID(), randomUUID()],
    );
    await published([id], 'the restored event to be published');
  });

  it('pg_current_xact_id() in a savepoint is the top-level xid (the events.xid default)', async () => {
    const [writer] = clients as [pg.Client];
    await writer.query('begin');
    const top = (await writer.query<{ x: string }>('select pg_current_xact_id()::text as x')).rows[0]!.x;
    await writer.query('savepoint s1');
    await writer.query('create temp table review_sub (x int)'); // the subtransaction gets its own xid
    const inSub = (await writer.query<{ x: string }>('select pg_current_xact_id()::text as x')).rows[0]!.x;
    await writer.query('rollback');
    expect(inSub).toBe(top);
  });
});

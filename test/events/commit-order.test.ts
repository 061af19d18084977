import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { newId } from '../../src/lib/ids.js';
import { databaseEventsPublished } from '../fixtures/published.js';
import { createTestDirectory, scimGroupBody, scimPatch, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// The sequencer numbers committed events after their transaction ended: a transaction's events in one round
// (one notification), positions / sequences contiguous in insert order; held back while an older transaction
// that inserted events is open; rolled-back inserts use no number.

let t: TestApp;
let dir: TestDirectory;
let admin: pg.Client;
let listener: pg.Client;
const notified: number[] = [];
beforeAll(async () => {
  t = await startTestApp();
  dir = await createTestDirectory(t.url, t.sandboxKey);
  admin = new pg.Client({ connectionString: t.database.url });
  await admin.connect();
  listener = new pg.Client({ connectionString: t.database.url });
  await listener.connect();
  listener.on('notification', (message) => notified.push(Number(message.payload)));
  await listener.query('LISTEN dsync_events');
});
afterAll(async () => {
  await listener.end();
  await admin.end();
  await t.close();
});

/** The newest position once every committed event is published. */
async function newestPosition(): Promise<number> {
  await databaseEventsPublished(t.database.url);
  return Number((await admin.query<{ p: string | null }>('select max(position) as p from events')).rows[0]?.p ?? 0);
}

/** Resolves once a notification for `position` has arrived; fails naming it after 10 s. */
async function notifiedOf(position: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!notified.includes(position)) {
    if (Date.now() > deadline) throw new Error(`no notification for position ${position} (got ${notified.join(', ')})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Row {
  id: string;
  position: string;
  sequence: number;
  directory_id: string;
  environment_id: string;
}

describe('commit order', () => {
  it('numbers a transaction of many events in one step: one notification, contiguous positions and sequences', async () => {
    const users: string[] = [];
    for (let i = 0; i < 5; i++) users.push((await dir.scim.post('/Users', scimUserBody())).body.id);
    const group = (await dir.scim.post('/Groups', scimGroupBody())).body;
    const before = await newestPosition();
    await notifiedOf(before);
    const seen = notified.length;

    const res = await dir.scim.patch(
      `/Groups/${group.id}`,
      scimPatch({ op: 'Add', path: 'members', value: users.map((value) => ({ value })) }),
    );
    expect(res.status).toBe(204);
    const after = await newestPosition();
    await notifiedOf(after);
    expect(notified.slice(seen)).toEqual([after]); // one ordering step, not one per event

    const rows = (
      await admin.query<Row & { type: string; user_id: string }>(
        `select id, position, sequence, type, data->'user'->>'id' as user_id from events where position > $1 order by position`,
        [before],
      )
    ).rows;
    expect(rows.map((row) => Number(row.position))).toEqual([1, 2, 3, 4, 5].map((n) => before + n));
    expect(rows.map((row) => row.user_id)).toEqual(users); // recordEvent order
    const first = rows[0]!.sequence;
    expect(rows.map((row) => row.sequence)).toEqual([0, 1, 2, 3, 4].map((n) => first + n));
    const [counter] = (
      await admin.query('select last_sequence from directory_event_counters where directory_id = $1', [dir.directoryId])
    ).rows;
    expect(counter.last_sequence).toBe(first + 4);
  });

  it('keeps per-directory sequences and positions right for a transaction spanning directories, environments and savepoints', async () => {
    const [envA, envB] = (await admin.query<{ id: string }>('select id from environments order by name')).rows.map(
      (row) => row.id,
    );
    const [d1, d2, d3] = [randomUUID(), randomUUID(), randomUUID()];
    const insert = (environment: string | undefined, directory: string) =>
      admin.query(
        `insert into events (id, environment_id, organization_id, directory_id, type, data, created_at) values ($1, $2, $3, $4, 'dsync.user.created', '{}', now())`,
        [newId(), environment, randomUUID(), directory],
      );
    const before = await newestPosition();
    await admin.query('begin');
    await insert(envA, d1);
    await admin.query('savepoint s');
    await insert(envB, d3); // the environment's first event, rolled back: the next one queues the step again
    await insert(envA, d1); // rolled back: no number is used up for it
    await admin.query('rollback to savepoint s');
    await insert(envA, d2);
    await insert(envB, d3);
    await insert(envA, d1);
    await insert(envB, d3);
    await admin.query('commit');
    await databaseEventsPublished(t.database.url);

    const rows = (
      await admin.query<Row>(
        'select id, position, sequence, directory_id, environment_id from events where position > $1 order by position',
        [before],
      )
    ).rows;
    expect(rows).toHaveLength(5);
    expect(rows.map((row) => Number(row.position))).toEqual([1, 2, 3, 4, 5].map((n) => before + n));
    const sequences = (directory: string) =>
      rows.filter((row) => row.directory_id === directory).map((row) => row.sequence);
    expect([sequences(d1), sequences(d2), sequences(d3)]).toEqual([[1, 2], [1], [1, 2]]);
    // Within an environment, positions follow the order the events were recorded in.
    for (const environment of [envA, envB]) {
      const mine = rows.filter((row) => row.environment_id === environment);
      expect(mine.map((row) => row.id)).toEqual(mine.map((row) => row.id).sort());
    }
    expect(Number((await admin.query('select count(*) from events where position is null')).rows[0].count)).toBe(0);
  });
});

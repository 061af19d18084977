import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';
import pg from 'pg';

import {
  allEvents,
  connectedClient,
  lastEventId as lastEventIdOf,
  subscribeEvents,
  type EventPayload,
} from '../fixtures/events.js';
import {
  createTestDirectory,
  scimClient,
  scimUserBody,
  type ScimClient,
  type TestDirectory,
} from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';
import { exitCode, freePort, start, waitForOutput, type Run } from '../setup/process.js';

// Subscriptions held by one server, SCIM writes sent to another OS process (`node dist/src/main.js`) on
// the same PostgreSQL: delivery can only come through LISTEN/NOTIFY and the events table.

let database: TestDatabase;
let subscriber: TestApp;
let writerProcess: Run;
let writer: ScimClient;
let dir: TestDirectory;
const leftovers: Client[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  subscriber = await startTestApp({}, database);
  dir = await createTestDirectory(subscriber.url, subscriber.sandboxKey);
  const port = await freePort();
  writerProcess = start({
    DATABASE_URL: database.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
  });
  await waitForOutput(writerProcess, /dsync is up/);
  writer = scimClient(`http://127.0.0.1:${port}/scim/v2/${dir.directoryId}`, dir.token);
});
afterEach(async () => {
  await Promise.all(leftovers.splice(0).map(async (client) => client.dispose()));
});
afterAll(async () => {
  writerProcess.child.kill('SIGTERM');
  await exitCode(writerProcess, 'the writer process to exit after SIGTERM');
  await subscriber.close();
  await database.drop();
});

async function subscription(variables: Record<string, unknown>) {
  const client = await connectedClient(subscriber.url, subscriber.sandboxKey);
  leftovers.push(client);
  return subscribeEvents(client, variables);
}

const lastEventId = () => lastEventIdOf(subscriber.url, subscriber.sandboxKey, dir.directoryId);

describe('events across server processes', () => {
  it('a subscription on one process receives the SCIM writes sent to another', async () => {
    const sub = await subscription({ directoryId: dir.directoryId, after: await lastEventId() });
    const created = await writer.post('/Users', scimUserBody());
    expect(created.status).toBe(201);
    const events = (await sub.take(2)).map((r) => r.provisioningEvents);
    expect(events.map((e) => e.type)).toEqual(['dsync.activated', 'dsync.user.created']);
    expect(events[1]?.data.after.id).toBe(created.body.id);
  });

  it('concurrent writers through both processes: every subscriber gets one commit order, sequences without gaps', async () => {
    const after = await lastEventId();
    const subs = [await subscription({ directoryId: dir.directoryId, after }), await subscription({ after })];
    const local = scimClient(`${subscriber.url}/scim/v2/${dir.directoryId}`, dir.token);
    const writes = 40;
    await Promise.all(
      Array.from({ length: writes }, (_, i) => (i % 2 ? writer : local).post('/Users', scimUserBody())),
    );
    const [a, b] = await Promise.all(
      subs.map(async (sub) => (await sub.take(writes)).map((r) => r.provisioningEvents)),
    );
    expect(b).toEqual(a);
    const sequences = (a as EventPayload[]).map((e) => e.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
    const stored = await allEvents(subscriber.url, subscriber.sandboxKey, { directoryId: dir.directoryId });
    expect(stored.slice(-writes)).toEqual(a);
  });

  it('catches up from the table after its LISTEN connection is dropped', async () => {
    const sub = await subscription({ directoryId: dir.directoryId, after: await lastEventId() });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const killed = await admin.query(
        "select pg_terminate_backend(pid) as killed from pg_stat_activity where application_name = 'dsync-events' and datname = current_database()",
      );
      expect(killed.rowCount).toBe(2); // one listener per process
    } finally {
      await admin.end();
    }
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await writer.post('/Users', scimUserBody())).body.id);
    const events = (await sub.take(3)).map((r) => r.provisioningEvents);
    expect(events.map((e) => e.data.after.id)).toEqual(ids);
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  createTestDirectory,
  scimClient,
  scimGroupBody,
  scimPatch,
  scimUserBody,
  type ScimClient,
} from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

// Two app instances (each with its own HTTP server and connection pool) on one database, standing in for
// several dsync processes behind a load balancer: correctness must come from PostgreSQL (constraints, row
// locks, set operations), not from anything one instance holds in memory.

let database: TestDatabase;
let first: TestApp;
let second: TestApp;
let clients: [ScimClient, ScimClient];
beforeAll(async () => {
  database = await createTestDatabase();
  first = await startTestApp({}, database);
  second = await startTestApp({}, database);
  const dir = await createTestDirectory(first.url, first.sandboxKey);
  clients = [dir.scim, scimClient(`${second.url}/scim/v2/${dir.directoryId}`, dir.token)];
});
afterAll(async () => {
  await first.close();
  await second.close();
  await database.drop();
});

describe('SCIM writes spread over two server instances', () => {
  it('create the same userName once', async () => {
    const body = scimUserBody({ userName: 'both@example.com' });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => clients[i % 2]!.post('/Users', body)));
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(19).fill(409)]);
  });

  it('lose no group member and no user attribute', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await clients[i % 2]!.post('/Users', scimUserBody())).body.id);
    const group = (await clients[0].post('/Groups', scimGroupBody())).body;
    await Promise.all(
      ids.map((value, i) =>
        clients[i % 2]!.patch(`/Groups/${group.id}`, scimPatch({ op: 'add', path: 'members', value: [{ value }] })),
      ),
    );
    const members = (await clients[1].get(`/Groups/${group.id}`)).body.members
      .map((m: { value: string }) => m.value)
      .sort();
    expect(members).toEqual([...ids].sort());

    const user = ids[0]!;
    const attributes = ['title', 'nickName', 'userType', 'locale'];
    await Promise.all(
      attributes.map((a, i) => clients[i % 2]!.patch(`/Users/${user}`, scimPatch({ op: 'add', path: a, value: a }))),
    );
    const read = (await clients[0].get(`/Users/${user}`)).body;
    expect(attributes.map((a) => read[a])).toEqual(attributes);
  });
});

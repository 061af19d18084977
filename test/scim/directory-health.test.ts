import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { initOrm } from '../../src/db/orm.js';
import { sqlDatabase } from '../../src/db/sql.js';
import { createLogger } from '../../src/lib/logger.js';
import { createScimRequestLog } from '../../src/tenancy/scim-request-log.js';
import { createDirectoryAs, errorCodes, graphql } from '../fixtures/graphql.js';
import { createTestDirectory, scimClient, scimGroupBody, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { waitUntil, withDeadline } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

// `Directory.health`: written by the SCIM request log's writer in its flush (so the log is on here), read
// through GraphQL. Every app writes what it tallied on `flushScimRequestLog()`, so tests wait on that.

const QUIET = { WEBHOOK_WORKERS: '0', SCIM_REQUEST_LOG_SIZE: '1000' };
const HOUR_MS = 3_600_000;

let database: TestDatabase;
let t: TestApp;
let admin: pg.Client;
beforeAll(async () => {
  database = await createTestDatabase();
  t = await startTestApp(QUIET, database);
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await t.close();
  await database.drop();
});

const flush = (app: TestApp) => withDeadline(app.app.flushScimRequestLog(), { what: 'the request log flush' });

const HEALTH_FIELDS = `lastRequestAt lastSuccessAt lastErrorAt lastError { status scimType detail }
  requestsLast24h errorsLast24h userCount groupCount`;
const HEALTH = `query Health($id: ID!) { directory(id: $id) { health { ${HEALTH_FIELDS} } } }`;

interface Health {
  lastRequestAt: string | null;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: { status: number; scimType: string | null; detail: string | null } | null;
  requestsLast24h: number;
  errorsLast24h: number;
  userCount: number;
  groupCount: number;
}

async function health(app: TestApp, directoryId: string, key = t.sandboxKey): Promise<Health> {
  const response = await graphql(app.url, key, HEALTH, { id: directoryId });
  if (!response.data?.['directory'] || response.errors)
    throw new Error(`health failed: ${JSON.stringify(response.errors)}`);
  return response.data['directory'].health as Health;
}

const NEVER_CALLED = {
  lastRequestAt: null,
  lastSuccessAt: null,
  lastErrorAt: null,
  lastError: null,
  requestsLast24h: 0,
  errorsLast24h: 0,
};

/** A token of our SCIM format that opens nothing. */
const foreignToken = () => `dst_${randomBytes(32).toString('base64url')}`;

const ms = (iso: string | null) => (iso === null ? NaN : Date.parse(iso));

describe('Directory.health', () => {
  let dir: TestDirectory;
  beforeAll(async () => {
    dir = await createTestDirectory(t.url, t.sandboxKey);
  });

  it('reads null and 0 for a directory the IdP never called (while others are called)', async () => {
    const busy = await createTestDirectory(t.url, t.sandboxKey);
    expect((await busy.scim.post('/Users', scimUserBody())).status).toBe(201);
    expect((await busy.scim.post('/Users', scimUserBody({ userName: 'x' }))).status).toBe(201);
    expect((await scimClient(busy.scim.base, foreignToken()).get('/Users')).status).toBe(401);
    await flush(t);
    expect(await health(t, busy.directoryId)).toMatchObject({ requestsLast24h: 3, userCount: 2 });
    expect(await health(t, dir.directoryId)).toEqual({ ...NEVER_CALLED, userCount: 0, groupCount: 0 });
  });

  it('records a successful request, and counts users and groups', async () => {
    const before = Date.now();
    expect((await dir.scim.post('/Users', scimUserBody())).status).toBe(201);
    const after = Date.now();
    await flush(t);
    const read = await health(t, dir.directoryId);
    expect(read).toMatchObject({ lastErrorAt: null, lastError: null, requestsLast24h: 1, errorsLast24h: 0 });
    expect(read).toMatchObject({ userCount: 1, groupCount: 0 });
    expect(read.lastSuccessAt).toBe(read.lastRequestAt);
    expect(ms(read.lastRequestAt)).toBeGreaterThanOrEqual(before);
    expect(ms(read.lastRequestAt)).toBeLessThanOrEqual(after);

    expect((await dir.scim.post('/Groups', scimGroupBody())).status).toBe(201);
    await flush(t);
    expect(await health(t, dir.directoryId)).toMatchObject({ requestsLast24h: 2, userCount: 1, groupCount: 1 });
  });

  it('records a failed authentication as the last error, by directory URL and by organization URL', async () => {
    const previous = await health(t, dir.directoryId);
    const wrong = scimClient(dir.scim.base, foreignToken());
    expect((await wrong.get('/Users')).status).toBe(401);
    const alias = scimClient(`${t.url}/org/${dir.organizationDomain}/scim/v2`, foreignToken());
    expect((await alias.get('/Groups')).status).toBe(401);
    await flush(t);
    const read = await health(t, dir.directoryId);
    expect(read).toMatchObject({
      lastError: { status: 401, scimType: null, detail: 'Missing or invalid bearer token for this directory.' },
      requestsLast24h: previous.requestsLast24h + 2,
      errorsLast24h: previous.errorsLast24h + 2,
      lastSuccessAt: previous.lastSuccessAt,
    });
    expect(read.lastErrorAt).toBe(read.lastRequestAt);
    expect(ms(read.lastErrorAt)).toBeGreaterThan(ms(previous.lastSuccessAt));
  });

  it('keeps the SCIM error type of the last error', async () => {
    const body = scimUserBody();
    expect((await dir.scim.post('/Users', body)).status).toBe(201);
    const conflict = await dir.scim.post('/Users', body);
    expect(conflict).toMatchObject({ status: 409, body: { scimType: 'uniqueness' } });
    await flush(t);
    const read = await health(t, dir.directoryId);
    expect(read.lastError).toEqual({ status: 409, scimType: 'uniqueness', detail: conflict.body.detail });
    expect(read.lastErrorAt).toBe(read.lastRequestAt);
    expect(read.userCount).toBe(2);
  });

  it('counts every failed authentication, although the request log keeps only a few per minute', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    const flood = scimClient(target.scim.base, foreignToken());
    for (let i = 0; i < 30; i++) expect((await flood.get('/Users')).status).toBe(401);
    await flush(t);
    const { rows } = await admin.query<{ n: number }>(
      'select count(*)::int as n from scim_request_log where directory_id = $1',
      [target.directoryId],
    );
    expect(rows[0]!.n).toBeLessThan(30);
    expect(await health(t, target.directoryId)).toMatchObject({
      requestsLast24h: 30,
      errorsLast24h: 30,
      lastSuccessAt: null,
      lastError: { status: 401 },
    });
  });

  it('adds up the counts of two app instances on one database', async () => {
    const second = await startTestApp(QUIET, database);
    try {
      const target = await createTestDirectory(t.url, t.sandboxKey);
      const clients = [target.scim, scimClient(`${second.url}/scim/v2/${target.directoryId}`, target.token)];
      const wrong = [t, second].map((app) => scimClient(`${app.url}/scim/v2/${target.directoryId}`, foreignToken()));
      for (let i = 0; i < 5; i++) {
        for (const client of clients) expect((await client.get('/Users')).status).toBe(200);
      }
      for (const client of wrong) expect((await client.get('/Users')).status).toBe(401);
      await Promise.all([flush(t), flush(second)]);
      expect(await health(t, target.directoryId)).toMatchObject({ requestsLast24h: 12, errorsLast24h: 2 });
      expect(await health(second, target.directoryId)).toMatchObject({ requestsLast24h: 12, errorsLast24h: 2 });
    } finally {
      await second.close();
    }
  });

  it('never moves a time back when a later one is already stored (another process, a later batch)', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    const later = new Date(Date.now() + HOUR_MS);
    await admin.query(
      `insert into directory_health (directory_id, last_request_at, last_success_at, last_error_at, last_error_status,
         last_error_scim_type, last_error_detail) values ($1, $2, $2, $2, 503, 'later', 'stored later')`,
      [target.directoryId, later],
    );
    expect((await target.scim.get('/Users')).status).toBe(200);
    expect((await scimClient(target.scim.base, foreignToken()).get('/Users')).status).toBe(401);
    await flush(t);
    expect(await health(t, target.directoryId)).toMatchObject({
      lastRequestAt: later.toISOString(),
      lastSuccessAt: later.toISOString(),
      lastErrorAt: later.toISOString(),
      lastError: { status: 503, scimType: 'later', detail: 'stored later' },
      requestsLast24h: 2,
    });

    // An earlier stored error is replaced by the newer one.
    await admin.query(
      `update directory_health set last_request_at = $2, last_success_at = $2, last_error_at = $2 where directory_id = $1`,
      [target.directoryId, new Date(Date.now() - HOUR_MS)],
    );
    expect((await scimClient(target.scim.base, foreignToken()).get('/Users')).status).toBe(401);
    await flush(t);
    const read = await health(t, target.directoryId);
    expect(read.lastError).toMatchObject({ status: 401, scimType: null });
    expect(ms(read.lastErrorAt)).toBeGreaterThan(Date.now() - HOUR_MS / 2);
    expect(read.lastRequestAt).toBe(read.lastErrorAt);
  });

  it('counts the current hour and the 23 before it, not older hours', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    expect((await target.scim.get('/Users')).status).toBe(200);
    await flush(t);
    // Read within one hour (UTC): the window moves when the hour turns.
    const read = async (): Promise<Health> => {
      for (;;) {
        const hour = Math.floor(Date.now() / HOUR_MS);
        const result = await health(t, target.directoryId);
        if (Math.floor(Date.now() / HOUR_MS) === hour) return result;
      }
    };
    expect(await read()).toMatchObject({ requestsLast24h: 1 });
    const bucket = (hoursAgo: number, requests: number, errors: number) =>
      admin.query(
        `insert into directory_request_counts (directory_id, hour, requests, errors) values ($1, $2, $3, $4)
         on conflict (directory_id, hour) do update set requests = excluded.requests, errors = excluded.errors`,
        [target.directoryId, new Date((Math.floor(Date.now() / HOUR_MS) - hoursAgo) * HOUR_MS), requests, errors],
      );
    await bucket(23, 10, 3);
    await bucket(25, 100, 30);
    await bucket(47, 1000, 300);
    expect(await read()).toMatchObject({ requestsLast24h: 11, errorsLast24h: 3 });

    // The request's own bucket, set back a day.
    await admin.query(
      `update directory_request_counts set hour = hour - interval '24 hours' where directory_id = $1 and requests = 1`,
      [target.directoryId],
    );
    expect(await read()).toMatchObject({ requestsLast24h: 10, errorsLast24h: 3 });
  });

  it('reads the health of a page of directories in one statement per table', async () => {
    const first = await createTestDirectory(t.url, t.sandboxKey);
    const others = [];
    for (let i = 0; i < 4; i++) others.push(await createDirectoryAs(t.url, t.sandboxKey, first.organizationId));
    const second = scimClient(`${t.url}/scim/v2/${others[0]!.directory.id}`, others[0]!.token);
    expect((await second.post('/Users', scimUserBody())).status).toBe(201);
    expect((await first.scim.get('/Users')).status).toBe(200);
    await flush(t);
    const start = t.queries.length;
    const response = await graphql(
      t.url,
      t.sandboxKey,
      `query($id: ID!) { organization(id: $id) { directories(first: 10) { edges { node { id health { ${HEALTH_FIELDS} } } } } } }`,
      { id: first.organizationId },
    );
    const statements = t.queries.slice(start);
    const byId = new Map(
      (response.data?.['organization'].directories.edges as { node: { id: string; health: Health } }[]).map((e) => [
        e.node.id,
        e.node.health,
      ]),
    );
    expect(byId.size).toBe(5);
    expect(byId.get(first.directoryId)).toMatchObject({ requestsLast24h: 1, userCount: 0 });
    expect(byId.get(others[0]!.directory.id)).toMatchObject({ requestsLast24h: 1, userCount: 1 });
    expect(byId.get(others[1]!.directory.id)).toMatchObject({ ...NEVER_CALLED, userCount: 0 });
    expect(statements.filter((s) => s.includes('directory_health'))).toHaveLength(1);
    expect(statements.filter((s) => s.includes('from directory_users'))).toHaveLength(1);
  });

  it("is NOT_FOUND for another environment's directory", async () => {
    const hidden = await createTestDirectory(t.url, t.productionKey);
    expect((await hidden.scim.post('/Users', scimUserBody())).status).toBe(201);
    await flush(t);
    const response = await graphql(t.url, t.sandboxKey, HEALTH, { id: hidden.directoryId });
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    expect(response.data?.['directory'] ?? null).toBeNull();
    expect(await health(t, hidden.directoryId, t.productionKey)).toMatchObject({ requestsLast24h: 1, userCount: 1 });
  });

  it('keeps request fields null and 0 with SCIM_REQUEST_LOG_SIZE=0, and still counts users', async () => {
    const app = await startTestApp({ ...QUIET, SCIM_REQUEST_LOG_SIZE: '0' }, database);
    try {
      const target = await createTestDirectory(app.url, t.sandboxKey); // the keys of the database's first app
      expect((await target.scim.post('/Users', scimUserBody())).status).toBe(201);
      expect((await scimClient(target.scim.base, undefined).get('/Users')).status).toBe(401);
      await flush(app);
      expect(await health(app, target.directoryId)).toEqual({ ...NEVER_CALLED, userCount: 1, groupCount: 0 });
      expect(app.queries.filter((query) => /directory_health|directory_request_counts/.test(query))).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('drops hourly counts older than two days in the periodic sweep', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    const hour = (hoursAgo: number) => new Date((Math.floor(Date.now() / HOUR_MS) - hoursAgo) * HOUR_MS);
    for (const hoursAgo of [0, 47, 49, 100]) {
      await admin.query(
        'insert into directory_request_counts (directory_id, hour, requests, errors) values ($1, $2, 1, 0)',
        [target.directoryId, hour(hoursAgo)],
      );
    }
    const hoursLeft = async () =>
      (
        await admin.query<{ hour: Date }>(
          'select hour from directory_request_counts where directory_id = $1 order by hour desc',
          [target.directoryId],
        )
      ).rows.map((row) => row.hour.getTime());
    // The app sweeps hourly; a writer of its own on the same database sweeps at once.
    const orm = await initOrm({ clientUrl: database.url }, { migrate: false });
    const writer = createScimRequestLog({
      sql: sqlDatabase(orm),
      logger: createLogger('silent'),
      size: 1000,
      retentionDays: 30,
      sweepIntervalMs: 10,
    });
    try {
      await waitUntil(async () => (await hoursLeft()).length === 2, { what: 'the sweep of hourly counts' });
    } finally {
      await writer.stop();
      await orm.close(true);
    }
    expect(await hoursLeft()).toEqual([hour(0).getTime(), hour(47).getTime()]);
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { errorCodes, graphql } from '../fixtures/graphql.js';
import {
  createTestDirectory,
  ERROR,
  scimClient,
  scimPatch,
  scimUserBody,
  type TestDirectory,
} from '../fixtures/scim.js';
import { withDeadline } from '../fixtures/wait.js';
import { startTestApp, withTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

// The per-directory SCIM request log: recorded by the SCIM router, written in batches, read through
// `Directory.requestLog`. Every app writes its queue on `flushScimRequestLog()`, so tests wait on that.

// No webhook workers (fewer connections); the request log is off in other tests' apps.
const QUIET = { WEBHOOK_WORKERS: '0', SCIM_REQUEST_LOG_SIZE: '1000' };
const NO_SUCH_UUID = '00000000-0000-4000-8000-000000000000';

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

/** Runs `test` against one more app on the same database, closed after. */
const withApp = (env: Record<string, string>, test: (app: TestApp) => Promise<void>) =>
  withTestApp({ ...QUIET, ...env }, database, test);

const flush = (app: TestApp) => withDeadline(app.app.flushScimRequestLog(), { what: 'the request log flush' });

const REQUEST_LOG = /* GraphQL */ `
  query RequestLog($id: ID!, $first: Int, $after: String, $filter: RequestLogFilter) {
    directory(id: $id) {
      requestLog(first: $first, after: $after, filter: $filter) {
        totalCount
        pageInfo {
          hasNextPage
          hasPreviousPage
          endCursor
        }
        edges {
          node {
            id
            createdAt
            method
            path
            status
            scimType
            errorDetail
            durationMs
            userAgent
            requestId
            authFailure
            requestBody
            requestBodyTruncated
            responseBody
            responseBodyTruncated
          }
        }
      }
    }
  }
`;

interface Entry {
  id: string;
  createdAt: string;
  method: string;
  path: string;
  status: number;
  scimType: string | null;
  errorDetail: string | null;
  durationMs: number;
  userAgent: string | null;
  requestId: string | null;
  authFailure: string | null;
  requestBody: string | null;
  requestBodyTruncated: boolean;
  responseBody: string | null;
  responseBodyTruncated: boolean;
}

interface LogPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  entries: Entry[];
}

async function requestLog(
  app: TestApp,
  directoryId: string,
  variables: { first?: number; after?: string | null; filter?: Record<string, unknown> } = {},
  key = app.sandboxKey,
): Promise<LogPage> {
  const response = await graphql(app.url, key, REQUEST_LOG, { id: directoryId, first: 100, ...variables });
  if (!response.data?.['directory']) throw new Error(`requestLog failed: ${JSON.stringify(response.errors)}`);
  const log = response.data['directory'].requestLog as {
    totalCount: number;
    pageInfo: LogPage['pageInfo'];
    edges: { node: Entry }[];
  };
  return { totalCount: log.totalCount, pageInfo: log.pageInfo, entries: log.edges.map((edge) => edge.node) };
}

/** Every stored column of a directory's log entries, as text. */
async function storedText(directoryId: string): Promise<string> {
  const { rows } = await admin.query<{ row: string }>(
    'select l::text as row from scim_request_log l where directory_id = $1',
    [directoryId],
  );
  return rows.map((row) => row.row).join('\n');
}

async function storedCount(directoryId: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    'select count(*)::int as n from scim_request_log where directory_id = $1',
    [directoryId],
  );
  return rows[0]!.n;
}

/** A token of our SCIM format that opens nothing. */
const foreignToken = () => `dst_${randomBytes(32).toString('base64url')}`;

describe('SCIM request log', () => {
  let dir: TestDirectory;
  beforeAll(async () => {
    dir = await createTestDirectory(t.url, t.sandboxKey);
  });

  it('records successful and failing requests with their fields, newest first, filtered and paged', async () => {
    const headers = { 'user-agent': 'Okta SCIM Client 1.0', 'x-request-id': 'idp-req-1' };
    const created = await dir.scim.request('POST', '/Users', scimUserBody({ userName: 'ada@example.com' }), headers);
    expect(created.status).toBe(201);
    const missing = await dir.scim.get(`/Users/${NO_SUCH_UUID}`);
    expect(missing.status).toBe(404);
    const invalid = await dir.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] });
    expect(invalid.status).toBe(400);
    const listed = await dir.scim.get('/Users?filter=userName%20eq%20%22ada%40example.com%22&count=5');
    expect(listed.status).toBe(200);
    await flush(t);

    const log = await requestLog(t, dir.directoryId);
    expect(log.totalCount).toBe(4);
    expect(log.entries.map((e) => [e.method, e.status])).toEqual([
      ['GET', 200],
      ['POST', 400],
      ['GET', 404],
      ['POST', 201],
    ]);
    const [list, bad, notFound, post] = log.entries as [Entry, Entry, Entry, Entry];
    expect(post).toMatchObject({
      path: `/scim/v2/${dir.directoryId}/Users`,
      scimType: null,
      errorDetail: null,
      userAgent: 'Okta SCIM Client 1.0',
      requestId: 'idp-req-1',
      authFailure: null,
      requestBodyTruncated: false,
      responseBodyTruncated: false,
    });
    expect(post.durationMs).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(Date.parse(post.createdAt))).toBe(false);
    expect(JSON.parse(post.requestBody!)).toMatchObject({ userName: 'ada@example.com' });
    expect(JSON.parse(post.responseBody!)).toMatchObject({ id: created.body.id, userName: 'ada@example.com' });
    expect(notFound).toMatchObject({ requestBody: null, errorDetail: missing.body.detail });
    expect(bad).toMatchObject({ scimType: invalid.body.scimType, errorDetail: invalid.body.detail });
    expect(bad.scimType).toEqual(expect.any(String));
    expect(list.path).toBe(`/scim/v2/${dir.directoryId}/Users?filter=userName%20eq%20%22ada%40example.com%22&count=5`);
    expect(list.requestId).toEqual(expect.any(String));
    // A response without secrets is kept exactly as it was sent.
    expect(list.responseBody).toBe(JSON.stringify(listed.body));

    expect((await requestLog(t, dir.directoryId, { filter: { status: 201 } })).entries.map((e) => e.id)).toEqual([
      post.id,
    ]);
    const posts = await requestLog(t, dir.directoryId, { filter: { method: 'POST' } });
    expect(posts.entries.map((e) => e.id)).toEqual([bad.id, post.id]);
    const errors = await requestLog(t, dir.directoryId, { filter: { errorsOnly: true } });
    expect(errors.entries.map((e) => e.id)).toEqual([bad.id, notFound.id]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await requestLog(t, dir.directoryId, { filter: { since: future } })).totalCount).toBe(0);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect((await requestLog(t, dir.directoryId, { filter: { since: past } })).totalCount).toBe(4);

    const first = await requestLog(t, dir.directoryId, { first: 3 });
    expect(first.entries.map((e) => e.id)).toEqual([list.id, bad.id, notFound.id]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await requestLog(t, dir.directoryId, { first: 3, after: first.pageInfo.endCursor });
    expect(second.entries.map((e) => e.id)).toEqual([post.id]);
    expect(second.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('refuses a bad filter with BAD_USER_INPUT', async () => {
    const query = (filter: Record<string, unknown>) =>
      graphql(t.url, t.sandboxKey, REQUEST_LOG, { id: dir.directoryId, filter });
    expect(errorCodes(await query({ status: 7000 }))).toEqual(['BAD_USER_INPUT']);
    expect((await query({ method: 'BREW' })).errors).toBeDefined();
  });

  it('stores no password and no credential-like value sent in a body or query string', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    const secrets = {
      postPassword: 'Post-Pa55word!',
      putPassword: 'Put-Pa55word!',
      patchPathPassword: 'PatchPath-Pa55word!',
      patchValuePassword: 'PatchValue-Pa55word!',
      patchUrnPassword: 'PatchUrn-Pa55word!',
      jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
      ourToken: foreignToken(),
      bearer: 'Bearer abcdefghij0123456789',
      opaque: 'Xk9fQ2mLp7RtZ8vW3yB6nC1dE4gH5jK0',
      filterToken: foreignToken(),
      errorDetailToken: foreignToken(),
    };
    const posted = await target.scim.post(
      '/Users',
      scimUserBody({ password: secrets.postPassword, title: secrets.jwt, nickName: secrets.ourToken }),
    );
    expect(posted.status).toBe(201);
    const id = posted.body.id as string;
    const put = await target.scim.put(
      `/Users/${id}`,
      scimUserBody({ userName: posted.body.userName, PassWord: secrets.putPassword, profileUrl: secrets.bearer }),
    );
    expect(put.status).toBeLessThan(500);
    const patched = await target.scim.patch(
      `/Users/${id}`,
      scimPatch(
        { op: 'replace', path: 'password', value: secrets.patchPathPassword },
        { op: 'replace', value: { password: secrets.patchValuePassword, displayName: secrets.opaque } },
        { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: secrets.patchUrnPassword },
      ),
    );
    expect(patched.status).toBeLessThan(500);
    await target.scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${secrets.filterToken}"`)}`);
    // An invalid filter whose error detail quotes it, credential and all.
    const bad = await target.scim.get(
      `/Users?filter=${encodeURIComponent(`userName eq "${secrets.errorDetailToken}" and`)}`,
    );
    expect(bad.status).toBe(400);
    await flush(t);

    expect(await storedCount(target.directoryId)).toBe(5);
    const health = await admin.query<{ t: string }>(
      'select h::text as t from directory_health h where directory_id = $1',
      [target.directoryId],
    );
    const stored = `${await storedText(target.directoryId)} ${health.rows.map((row) => row.t).join(' ')}`;
    for (const [name, secret] of Object.entries(secrets)) {
      expect({ name, found: stored.includes(secret) || stored.includes(encodeURIComponent(secret)) }).toEqual({
        name,
        found: false,
      });
    }
    expect(stored).not.toContain(target.token);
    expect(stored).toContain('[redacted]');
    // Ordinary values stay readable.
    expect(stored).toContain(posted.body.userName as string);
    expect(stored).toContain(id);
  });

  it('caps each body at 16 KiB and marks the cut', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    const long = 'lorem ipsum '.repeat(2_000); // 24,000 characters, not credential-like
    await target.scim.post('/Users', scimUserBody({ title: long }));
    await target.scim.post('/Users', scimUserBody());
    await flush(t);
    const [small, big] = (await requestLog(t, target.directoryId)).entries as [Entry, Entry];
    expect(big.requestBodyTruncated).toBe(true);
    expect(Buffer.byteLength(big.requestBody!, 'utf8')).toBeLessThanOrEqual(16 * 1024);
    expect(big.requestBody!.length).toBeGreaterThan(16_000);
    expect(small.requestBodyTruncated).toBe(false);
    expect(() => JSON.parse(small.requestBody!)).not.toThrow();
  });

  it('records a body nested 100,000 levels deep without failing the request', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    const depth = 100_000;
    const raw = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"deep@example.com","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const res = await target.scim.request('POST', '/Users', raw);
    expect(res).toMatchObject({ status: 400, body: { scimType: 'invalidSyntax' } });
    await flush(t);
    const [entry] = (await requestLog(t, target.directoryId)).entries;
    expect(entry).toMatchObject({ status: 400, scimType: 'invalidSyntax', requestBodyTruncated: false });
    expect(JSON.parse(entry!.requestBody!)).toMatchObject({ userName: 'deep@example.com' });
  });

  it('records failed authentications under the directory of the URL, with the reason and without the token', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    const other = await createTestDirectory(t.url, t.sandboxKey);
    const wrong = foreignToken();
    const malformed = `not-a-dsync-token-${randomBytes(8).toString('hex')}`;
    const base = `${t.url}/scim/v2/${target.directoryId}`;
    const alias = `${t.url}/org/${target.organizationDomain}/scim/v2`;
    const results = [
      await scimClient(base, undefined).get('/Users'),
      await scimClient(base, undefined).request('GET', '/Users', undefined, { authorization: `Basic ${malformed}` }),
      await scimClient(base, malformed).get('/Users'),
      await scimClient(base, wrong).get('/Users'),
      await scimClient(base, other.token).get('/Users'),
      await scimClient(alias, wrong).get('/Groups'),
      // Not recorded anywhere: no such directory, no valid id.
      await scimClient(`${t.url}/scim/v2/${NO_SUCH_UUID}`, wrong).get('/Users'),
      await scimClient(`${t.url}/scim/v2/not-a-uuid`, wrong).get('/Users'),
    ];
    for (const result of results) {
      expect(result).toMatchObject({
        status: 401,
        body: { schemas: [ERROR], status: '401', detail: 'Missing or invalid bearer token for this directory.' },
      });
    }
    await flush(t);

    const log = await requestLog(t, target.directoryId);
    expect(log.entries.map((e) => [e.path, e.status, e.authFailure])).toEqual([
      [`/org/${target.organizationDomain}/scim/v2/Groups`, 401, 'WRONG_TOKEN'],
      [`/scim/v2/${target.directoryId}/Users`, 401, 'WRONG_TOKEN'],
      [`/scim/v2/${target.directoryId}/Users`, 401, 'WRONG_TOKEN'],
      [`/scim/v2/${target.directoryId}/Users`, 401, 'MALFORMED'],
      [`/scim/v2/${target.directoryId}/Users`, 401, 'MISSING'],
      [`/scim/v2/${target.directoryId}/Users`, 401, 'MISSING'],
    ]);
    expect(await storedCount(other.directoryId)).toBe(0);
    const { rows } = await admin.query<{ row: string }>('select l::text as row from scim_request_log l');
    const everything = rows.map((row) => row.row).join('\n');
    for (const token of [wrong, malformed, other.token]) {
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.slice(0, 12));
    }
  });

  it('records at most a few failed authentications per minute per directory, and keeps real entries', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    expect((await target.scim.get('/Users')).status).toBe(200);
    const flood = scimClient(`${t.url}/scim/v2/${target.directoryId}`, foreignToken());
    for (let i = 0; i < 60; i++) expect((await flood.get('/Users')).status).toBe(401);
    await flush(t);
    const log = await requestLog(t, target.directoryId);
    const failures = log.entries.filter((e) => e.authFailure !== null).length;
    // 10 per minute; the flood may straddle one minute boundary.
    expect(failures).toBeGreaterThanOrEqual(10);
    expect(failures).toBeLessThanOrEqual(20);
    expect(log.entries.filter((e) => e.status === 200)).toHaveLength(1);
  });

  it("never shows a directory's log to another environment", async () => {
    const hidden = await createTestDirectory(t.url, t.productionKey);
    await hidden.scim.get('/Users');
    await flush(t);
    expect(await storedCount(hidden.directoryId)).toBe(1);
    const response = await graphql(t.url, t.sandboxKey, REQUEST_LOG, { id: hidden.directoryId });
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    expect(JSON.stringify(response.data ?? null)).not.toContain('/Users');
    expect((await requestLog(t, hidden.directoryId, {}, t.productionKey)).totalCount).toBe(1);
    expect(JSON.stringify((await requestLog(t, dir.directoryId)).entries)).not.toContain(hidden.directoryId);
  });

  it('keeps the newest SCIM_REQUEST_LOG_SIZE entries of each directory', async () => {
    await withApp({ SCIM_REQUEST_LOG_SIZE: '5' }, async (app) => {
      const target = await createTestDirectory(app.url, t.sandboxKey); // the keys of the database's first app
      for (let i = 1; i <= 12; i++) expect((await target.scim.get(`/Users?startIndex=${i}`)).status).toBe(200);
      await flush(app);
      const log = await requestLog(app, target.directoryId, {}, t.sandboxKey);
      expect(log.totalCount).toBe(5);
      expect(log.entries.map((e) => e.path.replace(/^.*\?/, ''))).toEqual(
        [12, 11, 10, 9, 8].map((i) => `startIndex=${i}`),
      );
      expect(await storedCount(target.directoryId)).toBe(5);
    });
  });

  it('drops entries older than SCIM_REQUEST_LOG_DAYS when the directory is next written', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    // An entry as the log would have written it 31 days ago (ids are UUIDv7: their first 48 bits are the time).
    const old = new Date(Date.now() - 31 * 86_400_000);
    const hex = old.getTime().toString(16).padStart(12, '0');
    const oldId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7abc-8def-0123456789ab`;
    await admin.query(
      `insert into scim_request_log (directory_id, id, created_at, method, path, status, duration_ms,
         request_body_truncated, response_body_truncated) values ($1, $2, $3, 'GET', '/old', 200, 1, false, false)`,
      [target.directoryId, oldId, old],
    );
    expect((await requestLog(t, target.directoryId)).entries.map((e) => e.path)).toEqual(['/old']);
    expect((await target.scim.get('/Users')).status).toBe(200);
    await flush(t);
    const log = await requestLog(t, target.directoryId);
    expect(log.entries.map((e) => e.path)).toEqual([`/scim/v2/${target.directoryId}/Users`]);
  });

  it('answers SCIM requests while the log table is locked, and writes their entries after', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table scim_request_log in access exclusive mode');
      const writing = t.app.flushScimRequestLog(); // whatever is queued now waits for the lock
      for (let i = 0; i < 3; i++) {
        const res = await withDeadline(target.scim.get('/Users'), { what: 'a SCIM answer while the log is locked' });
        expect(res.status).toBe(200);
      }
      await locker.query('commit');
      await withDeadline(writing, { what: 'the blocked flush' });
    } finally {
      await locker.end();
    }
    await flush(t);
    expect(await storedCount(target.directoryId)).toBe(3);
  });

  it('drops a batch it cannot write with one warning, and writes again once it can', async () => {
    const target = await createTestDirectory(t.url, t.sandboxKey);
    const warnings = () =>
      t.logs.filter((line) => line['msg'] === 'SCIM request log: cannot write entries; dropping them');
    const before = warnings().length;
    await admin.query('alter table scim_request_log rename to scim_request_log_away');
    try {
      for (let i = 0; i < 2; i++) {
        expect((await target.scim.get('/Users')).status).toBe(200);
        await flush(t);
      }
    } finally {
      await admin.query('alter table scim_request_log_away rename to scim_request_log');
    }
    expect(warnings().length - before).toBe(1);
    expect((await target.scim.get('/Users?count=1')).status).toBe(200);
    await flush(t);
    expect((await requestLog(t, target.directoryId)).entries.map((e) => e.path)).toEqual([
      `/scim/v2/${target.directoryId}/Users?count=1`,
    ]);
  });

  it('writes what is queued when the app stops', async () => {
    const app = await startTestApp(QUIET, database);
    let target: TestDirectory;
    try {
      target = await createTestDirectory(app.url, t.sandboxKey);
      expect((await target.scim.get('/Users')).status).toBe(200);
    } finally {
      await app.close();
    }
    expect(await storedCount(target.directoryId)).toBe(1);
  });

  it('records nothing with SCIM_REQUEST_LOG_SIZE=0', async () => {
    await withApp({ SCIM_REQUEST_LOG_SIZE: '0' }, async (app) => {
      const target = await createTestDirectory(app.url, t.sandboxKey); // the keys of the database's first app
      expect((await target.scim.get('/Users')).status).toBe(200);
      expect((await scimClient(target.scim.base, undefined).get('/Users')).status).toBe(401);
      await flush(app);
      expect(app.queries.filter((query) => query.includes('scim_request_log'))).toEqual([]);
      expect(await storedCount(target.directoryId)).toBe(0);
      expect((await requestLog(app, target.directoryId, {}, t.sandboxKey)).totalCount).toBe(0);
    });
  });
});

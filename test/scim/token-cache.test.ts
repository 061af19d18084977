import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { sqlDatabase } from '../../src/db/sql.js';
import { createEventRelay, type ScimAuthChange } from '../../src/events/notify.js';
import { createLogger } from '../../src/lib/logger.js';
import { createScimAuth } from '../../src/tenancy/scim-auth.js';
import { graphql } from '../fixtures/graphql.js';
import { createTestDirectory, scimClient, type TestDirectory } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

// SCIM token authentication is cached per process (keyed by the token's hash). Two app instances on one
// database stand in for two dsync processes: a change made through one must close the other's cached door
// as soon as PostgreSQL's notification arrives, well before the cache's own lifetime (60 s) would.

let database: TestDatabase;
let first: TestApp;
let second: TestApp;
beforeAll(async () => {
  database = await createTestDatabase();
  first = await startTestApp({}, database);
  second = await startTestApp({}, database);
});
afterAll(async () => {
  await first.close();
  await second.close();
  await database.drop();
});

/** The statements `app` ran while `work` ran. */
async function statementsDuring(app: TestApp, work: () => Promise<unknown>): Promise<string[]> {
  const before = app.queries.length;
  await work();
  return app.queries.slice(before);
}

const readsDirectory = (statements: string[]) => statements.some((sql) => /\bfrom "?directories"?/i.test(sql));

/** A directory whose token both instances have looked up (and cached). */
async function warmDirectory(): Promise<TestDirectory & { onSecond: string }> {
  const dir = await createTestDirectory(first.url, first.sandboxKey);
  const onSecond = `${second.url}/scim/v2/${dir.directoryId}`;
  expect((await dir.scim.get('/Users?count=1')).status).toBe(200);
  expect((await scimClient(onSecond, dir.token).get('/Users?count=1')).status).toBe(200);
  return { ...dir, onSecond };
}

/** Waits until the second instance answers `status` for `token`; the deadline is far below the cache lifetime. */
async function secondAnswers(url: string, token: string, status: number, what: string): Promise<void> {
  await waitUntil(async () => (await scimClient(url, token).get('/Users?count=1')).status === status, {
    what,
    timeoutMs: 5_000,
  });
}

describe('SCIM token authentication in the steady state', () => {
  it('does not read the directory again for a token it has seen', async () => {
    const dir = await warmDirectory();
    const statements = await statementsDuring(second, () => scimClient(dir.onSecond, dir.token).get('/Users?count=1'));
    expect(statements.length).toBeGreaterThan(0);
    expect(readsDirectory(statements)).toBe(false);
  });

  it('looks up a token it has not seen', async () => {
    const dir = await createTestDirectory(first.url, first.sandboxKey);
    const statements = await statementsDuring(second, () =>
      scimClient(`${second.url}/scim/v2/${dir.directoryId}`, dir.token).get('/Users?count=1'),
    );
    expect(readsDirectory(statements)).toBe(true);
  });
});

describe('a change made in the same process', () => {
  it('is seen by its next SCIM request even before (or without) the notification', async () => {
    // A third instance that hears no notifications: only its own mutation can tell its cache.
    const deaf = await startTestApp({}, database);
    try {
      await deaf.app.relay.close();
      const dir = await createTestDirectory(deaf.url, first.sandboxKey);
      const base = `${deaf.url}/scim/v2/${dir.directoryId}`;
      expect((await scimClient(base, dir.token).get('/Users?count=1')).status).toBe(200);
      const res = await graphql(
        deaf.url,
        first.sandboxKey,
        `
          mutation ($id: ID!) {
            rotateDirectoryToken(id: $id) {
              token
            }
          }
        `,
        { id: dir.directoryId },
      );
      expect((await scimClient(base, dir.token).get('/Users?count=1')).status).toBe(401);
      const rotated = res.data!['rotateDirectoryToken'].token as string;
      expect((await scimClient(base, rotated).get('/Users?count=1')).status).toBe(200);
    } finally {
      await deaf.close();
    }
  });
});

describe('a change made in one process reaches the cache of another', () => {
  const UPDATE = `mutation($id: ID!, $input: UpdateDirectoryInput!) { updateDirectory(id: $id, input: $input) { token } }`;

  it('a rotated token is refused, the new one accepted', async () => {
    const dir = await warmDirectory();
    const res = await graphql(
      first.url,
      first.sandboxKey,
      `
        mutation ($id: ID!) {
          rotateDirectoryToken(id: $id) {
            token
          }
        }
      `,
      { id: dir.directoryId },
    );
    const rotated = res.data!['rotateDirectoryToken'].token as string;
    await secondAnswers(dir.onSecond, dir.token, 401, 'the old token to be refused by the second instance');
    expect((await scimClient(dir.onSecond, rotated).get('/Users?count=1')).status).toBe(200);
  });

  it('a provider change (which issues a new token) refuses the old token', async () => {
    const dir = await warmDirectory();
    await graphql(first.url, first.sandboxKey, UPDATE, { id: dir.directoryId, input: { provider: 'ENTRA_ID' } });
    await secondAnswers(dir.onSecond, dir.token, 401, 'the old token to be refused after the provider change');
  });

  it('a directory switched off answers 403, switched on again 200', async () => {
    const dir = await warmDirectory();
    await graphql(first.url, first.sandboxKey, UPDATE, { id: dir.directoryId, input: { state: 'INACTIVE' } });
    await secondAnswers(dir.onSecond, dir.token, 403, 'the second instance to see the directory INACTIVE');
    await graphql(first.url, first.sandboxKey, UPDATE, { id: dir.directoryId, input: { state: 'ACTIVE' } });
    await secondAnswers(dir.onSecond, dir.token, 200, 'the second instance to see the directory ACTIVE again');
  });

  it('a deleted directory refuses its token', async () => {
    const dir = await warmDirectory();
    await graphql(
      first.url,
      first.sandboxKey,
      `
        mutation ($id: ID!) {
          deleteDirectory(id: $id)
        }
      `,
      {
        id: dir.directoryId,
      },
    );
    await secondAnswers(dir.onSecond, dir.token, 401, 'the deleted directory to be refused');
  });

  it('the domain alias stops when the organization gets a second directory', async () => {
    const dir = await warmDirectory();
    const alias = `${second.url}/org/${dir.organizationDomain}/scim/v2`;
    expect((await scimClient(alias, dir.token).get('/Users?count=1')).status).toBe(200);
    await graphql(
      first.url,
      first.sandboxKey,
      `
        mutation ($input: CreateDirectoryInput!) {
          createDirectory(input: $input) {
            token
          }
        }
      `,
      { input: { organizationId: dir.organizationId, name: 'second', provider: 'OKTA' } },
    );
    await secondAnswers(alias, dir.token, 401, 'the alias to be refused once the organization has two directories');
  });
});

describe('while the LISTEN connection is down', () => {
  it('the cache looks every token up and keeps nothing, until it listens again', async () => {
    const auth = createScimAuth();
    const dir = await createTestDirectory(first.url, first.sandboxKey);
    const fork = () => first.app.orm.em.fork();
    const target = { directoryId: dir.directoryId };
    expect(await auth.authenticate(fork, target, dir.token)).not.toBeNull();
    expect(auth.size).toBe(1);
    auth.forget({ kind: 'unheard' });
    expect(auth.size).toBe(0);
    expect(await auth.authenticate(fork, target, dir.token)).not.toBeNull();
    expect(auth.size).toBe(0);
    auth.forget({ kind: 'everything' }); // a mutation's forget is no sign of listening again
    expect(await auth.authenticate(fork, target, dir.token)).not.toBeNull();
    expect(auth.size).toBe(0);
    auth.forget({ kind: 'reconnected' });
    expect(await auth.authenticate(fork, target, dir.token)).not.toBeNull();
    expect(auth.size).toBe(1);
  });

  it('the relay says when its connection drops and when it listens again', async () => {
    const relay = createEventRelay({
      databaseUrl: database.url,
      sql: sqlDatabase(first.app.orm),
      logger: createLogger('silent'),
    });
    const heard: ScimAuthChange['kind'][] = [];
    relay.onScimAuthChanged((change) => heard.push(change.kind));
    await relay.start();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'dsync-events' and datname = current_database()",
      );
      await waitUntil(() => heard.includes('unheard') && heard.includes('reconnected'), {
        what: 'the relay to report its dropped and restored LISTEN connection',
        timeoutMs: 10_000,
      });
      expect(heard.indexOf('unheard')).toBeLessThan(heard.lastIndexOf('reconnected'));
    } finally {
      await admin.end();
      await relay.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { createTestDirectory, ERROR, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// DATABASE_STATEMENT_TIMEOUT_MS and DATABASE_POOL_SIZE reach the app's pool: a request whose statement waits
// on a lock (or runs long) is cancelled by PostgreSQL and answered, instead of holding a connection forever.

let t: TestApp;
let dir: TestDirectory;
let admin: pg.Client;
beforeAll(async () => {
  t = await startTestApp({ DATABASE_STATEMENT_TIMEOUT_MS: '300', DATABASE_POOL_SIZE: '4' });
  dir = await createTestDirectory(t.url, t.sandboxKey);
  admin = new pg.Client({ connectionString: t.database.url });
  await admin.connect();
});
afterAll(async () => {
  await admin.end();
  await t.close();
});

describe('database guards', () => {
  it('set statement_timeout on every pooled connection and size the pool', async () => {
    const em = t.app.orm.em.fork();
    expect(await em.execute('show statement_timeout')).toEqual([{ statement_timeout: '300ms' }]);
    await expect(em.execute('select pg_sleep(2)')).rejects.toThrow(/canceling statement due to statement timeout/);
    expect(t.app.orm.config.get('pool')).toMatchObject({ max: 4 });
  });

  it('answer a SCIM write stuck behind a lock with a SCIM error, then serve the next one', async () => {
    await admin.query('begin');
    await admin.query('lock table directory_users in access exclusive mode');
    try {
      const res = await fetch(`${dir.scim.base}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dir.token}`, 'content-type': 'application/scim+json' },
        body: JSON.stringify(scimUserBody()),
        signal: AbortSignal.timeout(10_000), // a hang fails here, naming the timeout
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ schemas: [ERROR], status: '503' });
    } finally {
      await admin.query('rollback');
    }
    expect((await dir.scim.post('/Users', scimUserBody())).status).toBe(201);
  });
});

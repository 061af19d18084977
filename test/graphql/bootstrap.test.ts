import { afterAll, describe, expect, it } from '@jest/globals';

import { graphql } from '../fixtures/graphql.js';
import { startTestApp } from '../setup/app.js';
import { createTestDatabase } from '../setup/db.js';

describe('first start', () => {
  const database = createTestDatabase();
  afterAll(async () => {
    await (await database).drop();
  });

  it('creates sandbox and production with one key each, shown once; a restart creates nothing', async () => {
    const db = await database;
    const first = await startTestApp({}, db);
    try {
      expect(first.app.bootstrapKeys).toEqual([
        { environment: 'sandbox', apiKey: expect.stringMatching(/^dsk_sandbox_[A-Za-z0-9_-]{43}$/) },
        { environment: 'production', apiKey: expect.stringMatching(/^dsk_production_[A-Za-z0-9_-]{43}$/) },
      ]);
      const rows = await first.app.orm.em.fork().getConnection().execute('select * from api_keys');
      expect(rows).toHaveLength(2);
      expect(JSON.stringify(rows)).not.toContain(first.sandboxKey);
      expect(first.rawLogs.join('\n')).not.toContain(first.sandboxKey);
    } finally {
      await first.close();
    }

    const second = await startTestApp({}, db);
    try {
      expect(second.app.bootstrapKeys).toEqual([]);
      const viewer = await graphql(second.url, first.productionKey, '{ viewer { environment { name } } }');
      expect(viewer.data).toEqual({ viewer: { environment: { name: 'production' } } });
      const environments = await second.app.orm.em
        .fork()
        .getConnection()
        .execute('select name from environments order by name');
      expect(environments).toEqual([{ name: 'production' }, { name: 'sandbox' }]);
    } finally {
      await second.close();
    }
  });
});

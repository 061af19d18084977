import 'reflect-metadata';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { initOrm, type MikroORM } from '../../src/db/orm.js';
import { sqlDatabase } from '../../src/db/sql.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

let db: TestDatabase;
let orm: MikroORM;
beforeAll(async () => {
  db = await createTestDatabase();
  orm = await initOrm({ clientUrl: db.url }, { migrate: false });
});
afterAll(async () => {
  await orm.close(true);
  await db.drop();
});

describe('plain SQL on the ORM pool', () => {
  it('prepares the first 200 distinct statement texts by name and runs the rest unnamed', async () => {
    const sql = sqlDatabase(orm);
    const prepared = await sql.transaction(async (tx) => {
      for (let i = 0; i < 250; i++) {
        const [row] = await tx.query<{ n: number }>(`select $1::int + ${i} as n`, [1]);
        expect(row?.n).toBe(i + 1);
      }
      // The same texts again reuse their names (no error for a name prepared twice).
      await tx.query('select $1::int + 0 as n', [1]);
      const [row] = await tx.query<{ n: string }>('select count(*) as n from pg_prepared_statements');
      return Number(row?.n);
    });
    expect(prepared).toBe(200);
  });

  it('names a text alike in every Database on the pool', async () => {
    const text = 'select $1::int * 2 as n';
    for (const sql of [sqlDatabase(orm), sqlDatabase(orm)]) {
      const rows = await sql.transaction((tx) => tx.query<{ n: number }>(text, [21]));
      expect(rows).toEqual([{ n: 42 }]);
    }
  });

  it('tells commit listeners after a commit, not after a rollback', async () => {
    const sql = sqlDatabase(orm);
    let commits = 0;
    const stop = sql.onCommit(() => (commits += 1));
    await sql.transaction((tx) => tx.query('select 1'));
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('select 1');
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    stop();
    await sql.transaction((tx) => tx.query('select 1'));
    expect(commits).toBe(1);
  });
});

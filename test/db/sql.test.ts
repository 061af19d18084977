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

describe('transactions: BEGIN with the first statement, COMMIT with commitWith', () => {
  /** Round trips (ReadyForQuery messages) on the pool's connections while `work` runs. */
  async function roundTrips(work: () => Promise<unknown>): Promise<number> {
    const client = orm.em.getConnection().getKnex().client as unknown as {
      acquireConnection(): Promise<{ connection: { on(event: string, listener: () => void): void } }>;
    };
    const acquire = client.acquireConnection.bind(client);
    let count = 0;
    let counting = true;
    const counted = new WeakSet<object>();
    client.acquireConnection = async () => {
      const connection = await acquire();
      if (!counted.has(connection)) {
        counted.add(connection);
        connection.connection.on('readyForQuery', () => {
          if (counting) count += 1;
        });
      }
      return connection;
    };
    try {
      await work();
      return count;
    } finally {
      counting = false;
      client.acquireConnection = acquire;
    }
  }

  const sql = () => sqlDatabase(orm);
  const ids = async (table: string) =>
    (await sql().query<{ id: number }>(`select id from ${table} order by id`)).map((row) => row.id);
  const openTransactions = async () =>
    Number(
      (
        await sql().query<{ n: string }>(
          `select count(*) as n from pg_stat_activity
            where datname = current_database() and state like 'idle in transaction%'`,
        )
      )[0]?.n,
    );

  beforeAll(async () => {
    await sql().run('create table pipeline_test (id int primary key)');
  });

  it('reads, computes and writes in two round trips, and commits', async () => {
    await sql().run('insert into pipeline_test (id) values (1)');
    const trips = await roundTrips(() =>
      sql().transaction(async (tx) => {
        const [row] = await tx.query<{ id: number }>('select id from pipeline_test where id = $1 for update', [1]);
        await tx.commitWith('insert into pipeline_test (id) values ($1)', [row!.id + 1]);
      }),
    );
    expect(trips).toBe(2);
    expect(await ids('pipeline_test')).toEqual([1, 2]);
    // Without commitWith the COMMIT is a round trip of its own; BEGIN still travels with the first statement.
    expect(
      await roundTrips(() => sql().transaction((tx) => tx.run('insert into pipeline_test (id) values ($1)', [3]))),
    ).toBe(2);
    expect(await ids('pipeline_test')).toEqual([1, 2, 3]);
  });

  it('commits nothing when the statement given to commitWith fails, and leaves no transaction open', async () => {
    await sql().run('insert into pipeline_test (id) values (10)');
    let commits = 0;
    const db = sql();
    db.onCommit(() => (commits += 1));
    await expect(
      db.transaction(async (tx) => {
        await tx.run('insert into pipeline_test (id) values ($1)', [11]);
        await tx.commitWith('insert into pipeline_test (id) values ($1)', [10]); // taken
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(commits).toBe(0);
    expect(await ids('pipeline_test')).not.toContain(11);
    expect(await openTransactions()).toBe(0);
  });

  it('rolls back the BEGIN that travelled with a failing first statement', async () => {
    await expect(sql().transaction((tx) => tx.query('select 1 / $1::int', [0]))).rejects.toMatchObject({
      code: '22012',
    });
    expect(await openTransactions()).toBe(0);
    await expect(sql().transaction((tx) => tx.query<{ n: number }>('select $1::int as n', [7]))).resolves.toEqual([
      { n: 7 },
    ]);
  });

  it('refuses a statement after commitWith; a throw after it keeps what was committed', async () => {
    let commits = 0;
    const db = sql();
    db.onCommit(() => (commits += 1));
    await expect(
      db.transaction(async (tx) => {
        await tx.commitWith('insert into pipeline_test (id) values ($1)', [20]);
        await tx.run('insert into pipeline_test (id) values ($1)', [21]);
      }),
    ).rejects.toThrow('statement after the transaction committed');
    expect(commits).toBe(1);
    expect(await ids('pipeline_test')).toContain(20);
    expect(await ids('pipeline_test')).not.toContain(21);
    expect(await openTransactions()).toBe(0);
  });

  it('leaves no stale prepared statement behind a first statement whose Parse failed', async () => {
    const text = 'select id from pipeline_later where id = $1';
    await expect(sql().transaction((tx) => tx.query(text, [1]))).rejects.toMatchObject({ code: '42P01' });
    await sql().run('create table pipeline_later (id int primary key)');
    await sql().run('insert into pipeline_later (id) values (1)');
    // Sequential transactions reuse the pooled connection the failure happened on.
    for (let i = 0; i < 10; i++) {
      await expect(sql().transaction((tx) => tx.query(text, [1]))).resolves.toEqual([{ id: 1 }]);
    }
  });

  it('fails a transaction whose work swallowed its commitWith failure, and rolls it back', async () => {
    await sql().run('insert into pipeline_test (id) values (30)');
    await expect(
      sql().transaction(async (tx) => {
        await tx.run('insert into pipeline_test (id) values ($1)', [31]);
        await tx.commitWith('insert into pipeline_test (id) values ($1)', [30]).catch(() => undefined);
        return 'swallowed';
      }),
    ).rejects.toThrow('the transaction was not committed');
    expect(await ids('pipeline_test')).not.toContain(31);
    expect(await openTransactions()).toBe(0);
  });

  it('sends nothing for a transaction that runs no statement', async () => {
    expect(await roundTrips(() => sql().transaction(async () => 'nothing'))).toBe(0);
  });
});

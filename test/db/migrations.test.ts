import 'reflect-metadata';

import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { migrationsList } from '../../migrations/index.js';
import { initOrm, type MikroORM } from '../../src/db/orm.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

let db: TestDatabase;
let orm: MikroORM;
beforeAll(async () => {
  db = await createTestDatabase();
  orm = await initOrm({ clientUrl: db.url, snapshot: true }, { migrate: false });
});
afterAll(async () => {
  await orm.close(true);
  await db.drop();
});

describe('migrations', () => {
  it('list every migration file in migrations/index.ts', async () => {
    const files = (await readdir('migrations'))
      .filter((f) => /^Migration.*\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''));
    expect(migrationsList.map((m) => m.name)).toEqual(files.sort());
  });

  it('bring an empty database to exactly the schema the entities describe', async () => {
    const applied = await orm.migrator.up();
    expect(applied.map((m) => m.name)).toEqual(migrationsList.map((m) => m.name));
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    // A non-empty diff means an entity changed without `npm run migration:create`.
    expect(diff.trim()).toBe('');
  });

  it('agree with the committed snapshot (what migration:create diffs against)', async () => {
    expect(await orm.migrator.checkMigrationNeeded()).toBe(false);
  });

  it('roll back cleanly', async () => {
    await orm.migrator.down({ to: 0 });
    const tables = await orm.em
      .fork()
      .getConnection()
      .execute<{ n: number }[]>(
        `select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name <> 'mikro_orm_migrations'`,
      );
    expect(tables).toEqual([{ n: 0 }]);
    await orm.migrator.up();
  });
});

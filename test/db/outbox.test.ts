import 'reflect-metadata';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { initOrm, type MikroORM } from '../../src/db/orm.js';
import { SCIM_AUTH_FUNCTION, SCIM_AUTH_TRIGGERS } from '../../src/events/notify.js';
import { OUTBOX_FUNCTIONS, OUTBOX_TRIGGERS } from '../../src/events/outbox.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

// The triggers that queue webhook jobs and order commits are SQL in migrations; the TypeScript that reads
// what they write takes the same names from src/events/outbox.ts. Installed and declared must agree.

interface InstalledFunction {
  name: string;
  args: string;
  returns: string;
  language: string;
  volatility: string;
  body: string;
}

const VOLATILITY: Record<string, string> = { v: 'volatile', s: 'stable', i: 'immutable' };

async function installedFunctions(orm: MikroORM): Promise<InstalledFunction[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ name: string; args: string; returns: string; language: string; volatility: string; body: string }[]>(
      `select p.proname as name, pg_get_function_identity_arguments(p.oid) as args, format_type(p.prorettype, null) as returns,
            l.lanname as language, p.provolatile as volatility, p.prosrc as body
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
      where n.nspname = 'public' order by p.proname`,
    );
  return rows.map((row) => ({ ...row, volatility: VOLATILITY[row.volatility] ?? row.volatility }));
}

async function installedTriggers(orm: MikroORM, table = 'events'): Promise<Record<string, string>> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ name: string; definition: string }[]>(
      `select tgname as name, pg_get_triggerdef(oid) as definition from pg_trigger where not tgisinternal and tgrelid = ?::regclass`,
      [table],
    );
  return Object.fromEntries(rows.map((row) => [row.name, row.definition]));
}

const declared = [...OUTBOX_FUNCTIONS, SCIM_AUTH_FUNCTION]
  .map((fn) => ({ ...fn }))
  .sort((a, b) => a.name.localeCompare(b.name));

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

describe('the outbox in a migrated database', () => {
  it('has exactly the functions and triggers src/events/outbox.ts declares', async () => {
    await orm.migrator.up();
    expect(await installedFunctions(orm)).toEqual(declared);
    expect(await installedTriggers(orm)).toEqual(OUTBOX_TRIGGERS);
    expect({
      ...(await installedTriggers(orm, 'directories')),
      ...(await installedTriggers(orm, 'organizations')),
    }).toEqual(SCIM_AUTH_TRIGGERS);
  });

  it('is repaired in a database migrated before the webhook migrations were rewritten', async () => {
    await orm.migrator.down({ to: 'Migration20261125231015' });
    // What such a database still runs: one job per delivery, for a task that no longer exists.
    await orm.em.fork().getConnection()
      .execute(`create or replace function "events_enqueue_webhooks"() returns trigger language plpgsql as $$
begin
  perform graphile_worker.add_job('deliver_webhook', json_build_object('deliveryId', new.id));
  return null;
end
$$;`);
    await orm.migrator.up();
    expect(await installedFunctions(orm)).toEqual(declared);
    expect(await installedTriggers(orm)).toEqual(OUTBOX_TRIGGERS);
  });
});

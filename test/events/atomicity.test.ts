import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { allEvents } from '../fixtures/events.js';
import { scimUserBody } from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

// A change and its event commit together or not at all. The failures are real PostgreSQL errors raised by
// triggers this test installs, so the app's own code runs unchanged.

const s = useScimDirectory();
let admin: pg.Client;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: s.t.database.url });
  admin.on('error', () => undefined); // the database is dropped (connections terminated) after the last test
  await admin.connect();
  await admin.query(`create function fail_marked() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'events' then
        if new.data::text like '%fail-event%' then raise exception 'failing the event on purpose'; end if;
      elsif new.user_name like 'fail-user%' then
        raise exception 'failing the user on purpose';
      end if;
      return new;
    end $$`);
  await admin.query('create trigger fail_events before insert on events for each row execute function fail_marked()');
  await admin.query(
    'create trigger fail_users before insert or update on directory_users for each row execute function fail_marked()',
  );
});
afterAll(async () => {
  await admin.end();
});

async function count(sql: string, params: unknown[]): Promise<number> {
  return Number((await admin.query<{ n: string }>(sql, params)).rows[0]?.n);
}

describe('a change and its event', () => {
  it('no change without its event: when the event insert fails, the user is not created', async () => {
    const res = await s.dir.scim.post('/Users', scimUserBody({ userName: 'ok@example.com', title: 'fail-event' }));
    expect(res.status).toBe(500);
    expect(await count('select count(*) as n from directory_users where user_name = $1', ['ok@example.com'])).toBe(0);
  });

  it('no event without its change: when the user write fails, no event is recorded', async () => {
    const before = (await allEvents(s.t.url, s.t.sandboxKey)).length;
    const res = await s.dir.scim.post('/Users', scimUserBody({ userName: 'fail-user@example.com' }));
    expect(res.status).toBe(500);
    expect(await count("select count(*) as n from events where data::text like '%fail-user%'", [])).toBe(0);
    expect((await allEvents(s.t.url, s.t.sandboxKey)).length).toBe(before);
  });

  it('an update that fails leaves the user and the event history as they were', async () => {
    const created = (await s.dir.scim.post('/Users', scimUserBody())).body;
    const res = await s.dir.scim.patch(`/Users/${created.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'title', value: 'fail-event' }],
    });
    expect(res.status).toBe(500);
    expect((await s.dir.scim.get(`/Users/${created.id}`)).body).toEqual(created);
    const events = (await allEvents(s.t.url, s.t.sandboxKey)).filter((e) =>
      JSON.stringify(e.data).includes(created.id),
    );
    expect(events.map((e) => e.type)).toEqual(['dsync.user.created']);
  });
});

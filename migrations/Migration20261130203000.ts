import { Migration } from '@mikro-orm/migrations';

/** pg_advisory_xact_lock key that serialises the commits of event-writing transactions (unchanged). */
const EVENTS_COMMIT_LOCK = 7_046_220_511;

/**
 * One ordering step per transaction (and environment) instead of one per event row. The deferred trigger
 * used to run once per event under the commit lock: a 10,000-member removal held the lock for seconds while
 * every other event-carrying commit waited. Now the trigger's WHEN queues it only for the first event of each
 * environment in the transaction (a transaction-local setting remembers which), and that one step numbers all
 * of the transaction's events of that environment with two set-based statements.
 */
export class Migration20261130203000 extends Migration {

  override async up(): Promise<void> {
    // Evaluated when the row is inserted (not at commit): true once per environment per transaction.
    // set_config(..., true) is rolled back with a savepoint, exactly like the trigger event it queued.
    this.addSql(`create function "events_first_of_environment"(environment uuid) returns boolean language plpgsql volatile as $$
declare
  seen text := coalesce(current_setting('dsync.events_environments', true), '');
begin
  if strpos(seen, environment::text) > 0 then return false; end if;
  perform set_config('dsync.events_environments', seen || environment::text || ',', true);
  return true;
end
$$;`);
    // The transaction's events of the environment are the ones without a position (other transactions'
    // uncommitted rows are invisible; committed ones are numbered). Numbered in id order: UUIDv7 ids are
    // minted in recordEvent call order. Positions are a block of the sequence reserved under the lock.
    this.addSql(`create or replace function "events_assign_order"() returns trigger language plpgsql as $$
declare
  total integer;
  first_position bigint;
begin
  perform pg_advisory_xact_lock(${EVENTS_COMMIT_LOCK});
  select count(*) into total from events where environment_id = new.environment_id and position is null;
  if total = 0 then return null; end if;
  first_position := nextval('events_position_seq');
  if total > 1 then perform setval('events_position_seq', first_position + total - 1); end if;
  with pending as (
    select id, directory_id,
           row_number() over (order by id) as k,
           row_number() over (partition by directory_id order by id) as n,
           count(*) over (partition by directory_id) as in_directory
      from events where environment_id = new.environment_id and position is null
  ), counters as (
    insert into directory_event_counters as c (directory_id, last_sequence)
    select directory_id, count(*)::int from pending group by directory_id
    on conflict (directory_id) do update set last_sequence = c.last_sequence + excluded.last_sequence
    returning c.directory_id, c.last_sequence
  )
  update events e
     set position = first_position + p.k - 1, sequence = c.last_sequence - p.in_directory + p.n, committed_at = clock_timestamp()
    from pending p join counters c on c.directory_id = p.directory_id
   where e.id = p.id;
  perform pg_notify('dsync_events', (first_position + total - 1)::text);
  -- Numbered: should more events of the environment follow (SET CONSTRAINTS … IMMEDIATE), they queue again.
  perform set_config('dsync.events_environments', replace(current_setting('dsync.events_environments', true), new.environment_id::text || ',', ''), true);
  return null;
end
$$;`);
    this.addSql(`drop trigger "events_assign_order" on "events";`);
    this.addSql(`create constraint trigger "events_assign_order" after insert on "events"
  deferrable initially deferred for each row when (events_first_of_environment(new.environment_id))
  execute function "events_assign_order"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger "events_assign_order" on "events";`);
    this.addSql(`create or replace function "events_assign_order"() returns trigger language plpgsql as $$
declare
  next_sequence integer;
  next_position bigint;
begin
  perform pg_advisory_xact_lock(${EVENTS_COMMIT_LOCK});
  insert into directory_event_counters as c (directory_id, last_sequence) values (new.directory_id, 1)
    on conflict (directory_id) do update set last_sequence = c.last_sequence + 1
    returning c.last_sequence into next_sequence;
  next_position := nextval('events_position_seq');
  update events set position = next_position, sequence = next_sequence, committed_at = clock_timestamp() where id = new.id;
  perform pg_notify('dsync_events', next_position::text);
  return null;
end
$$;`);
    this.addSql(`create constraint trigger "events_assign_order" after insert on "events"
  deferrable initially deferred for each row execute function "events_assign_order"();`);
    this.addSql(`drop function "events_first_of_environment"(uuid);`);
  }

}

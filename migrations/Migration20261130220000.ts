import { Migration } from '@mikro-orm/migrations';

/**
 * Repairs the outbox functions of databases migrated before two landed migrations were rewritten: such a
 * database still queues per-delivery jobs for a task that no longer exists. Re-creates every outbox function
 * as it is now (SQL copied from src/events/outbox.ts when this migration was written; it never changes).
 */
export class Migration20261130220000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create or replace function "dsync_uuid_v7"() returns uuid language sql volatile as $$
  select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
    substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
$$;`);
    this.addSql(`create or replace function "events_enqueue_webhooks"() returns trigger language plpgsql volatile as $$
declare
  hook record;
begin
  for hook in
    select w.id from webhooks w
     where w.environment_id = new.environment_id and w.enabled
       and (w.organization_id is null or w.organization_id = new.organization_id)
       and (cardinality(w.event_types) = 0 or new.type = any(w.event_types))
  loop
    insert into webhook_deliveries (id, created_at, updated_at, webhook_id, event_id, event_type, status, attempts, attempt_count, next_attempt_at)
      values (dsync_uuid_v7(), now(), now(), hook.id, new.id, new.type, 'pending', '[]', 0, now());
    perform graphile_worker.add_job('deliver_webhooks', json_build_object('webhookId', hook.id), job_key := 'webhook:' || hook.id::text);
  end loop;
  return null;
end
$$;`);
    this.addSql(`create or replace function "events_first_of_environment"(environment uuid) returns boolean language plpgsql volatile as $$
declare
  seen text := coalesce(current_setting('dsync.events_environments', true), '');
begin
  if strpos(seen, environment::text) > 0 then return false; end if;
  perform set_config('dsync.events_environments', seen || environment::text || ',', true);
  return true;
end
$$;`);
    this.addSql(`create or replace function "events_assign_order"() returns trigger language plpgsql volatile as $$
declare
  total integer;
  first_position bigint;
begin
  perform pg_advisory_xact_lock(7046220511);
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
  }

  override async down(): Promise<void> {
    // Nothing to undo: up() re-created the functions as the previous migrations had left them.
  }

}

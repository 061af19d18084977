import { Migration } from '@mikro-orm/migrations';

/**
 * Event ordering without a lock across commits. Writers no longer number events at commit under one global
 * advisory lock: an event row gets the inserting transaction's id (`xid`) and an insert counter
 * (`insert_order`), and a statement-level trigger notifies `dsync_events_pending` (sent at commit). The
 * sequencer of the running processes (src/events/sequencer.ts) numbers the events of every transaction that
 * has ended (`xid` below the snapshot horizon) and creates their webhook deliveries, in one transaction.
 * Function and trigger SQL copied from src/events/outbox.ts when this migration was written; it never changes.
 */
export class Migration20261130231000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop trigger "events_assign_order" on "events";`);
    this.addSql(`drop trigger "events_enqueue_webhooks" on "events";`);
    this.addSql(`drop function "events_assign_order"();`);
    this.addSql(`drop function "events_first_of_environment"(uuid);`);
    this.addSql(`drop function "events_enqueue_webhooks"();`);
    // Existing rows: xid 0 (below every horizon) and insert order 0, then the defaults for new rows.
    this.addSql(`alter table "events" add column "xid" xid8 not null default '0';`);
    this.addSql(`alter table "events" alter column "xid" set default pg_current_xact_id();`);
    this.addSql(`create sequence "events_insert_order_seq" as bigint;`);
    this.addSql(`alter table "events" add column "insert_order" bigint not null default 0;`);
    this.addSql(`alter table "events" alter column "insert_order" set default nextval('events_insert_order_seq');`);
    this.addSql(`alter sequence "events_insert_order_seq" owned by "events"."insert_order";`);
    // None expected (the commit trigger numbered every committed row): any row still without a position
    // queues in id order, and the sequencer publishes it.
    this.addSql(`update "events" e set "insert_order" = nextval('events_insert_order_seq')
  from (select id from "events" where "position" is null order by id) p where e.id = p.id;`);
    this.addSql(`create index "events_insert_order_pending_index" on "events" ("insert_order") where "position" is null;`);
    this.addSql(`create or replace function "events_announce_pending"() returns trigger language plpgsql volatile as $$
begin
  perform pg_notify('dsync_events_pending', '');
  return null;
end
$$;`);
    this.addSql(`create trigger "events_announce_pending" after insert on "events" for each statement execute function "events_announce_pending"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger "events_announce_pending" on "events";`);
    this.addSql(`drop function "events_announce_pending"();`);
    this.addSql(`drop index "events_insert_order_pending_index";`);
    this.addSql(`alter table "events" drop column "insert_order";`);
    this.addSql(`alter table "events" drop column "xid";`);
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
    this.addSql(`create constraint trigger "events_assign_order" after insert on "events"
  deferrable initially deferred for each row when (events_first_of_environment(new.environment_id))
  execute function "events_assign_order"();`);
    this.addSql(`create trigger "events_enqueue_webhooks" after insert on "events" for each row execute function "events_enqueue_webhooks"();`);
  }

}

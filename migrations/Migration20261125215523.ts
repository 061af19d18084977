import { Migration } from '@mikro-orm/migrations';

/** pg_advisory_xact_lock key that serialises the commits of event-writing transactions. */
const EVENTS_COMMIT_LOCK = 7_046_220_511;

export class Migration20261125215523 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "directory_event_counters" ("directory_id" uuid not null, "last_sequence" int not null, constraint "directory_event_counters_pkey" primary key ("directory_id"));`);

    this.addSql(`create table "events" ("id" uuid not null, "position" bigint null, "sequence" int null, "environment_id" uuid not null, "organization_id" uuid not null, "directory_id" uuid not null, "type" text not null, "data" jsonb not null, "created_at" timestamptz not null, "committed_at" timestamptz null, constraint "events_pkey" primary key ("id"));`);
    this.addSql(`alter table "events" add constraint "events_position_unique" unique ("position");`);
    this.addSql(`create index "events_created_at_index" on "events" ("created_at");`);
    this.addSql(`create index "events_organization_id_position_index" on "events" ("organization_id", "position");`);
    this.addSql(`create index "events_environment_id_position_index" on "events" ("environment_id", "position");`);
    this.addSql(`alter table "events" add constraint "events_directory_id_sequence_unique" unique ("directory_id", "sequence");`);

    // Order is assigned at commit (docs/events.md): a deferred constraint trigger takes one advisory lock,
    // so commits that carry events pass one at a time and `position` / `sequence` follow commit order.
    this.addSql(`create sequence "events_position_seq" as bigint;`);
    this.addSql(`create function "events_assign_order"() returns trigger language plpgsql as $$
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
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "events_assign_order" on "events";`);
    this.addSql(`drop function if exists "events_assign_order"();`);
    this.addSql(`drop sequence if exists "events_position_seq";`);
    this.addSql(`drop table if exists "directory_event_counters" cascade;`);

    this.addSql(`drop table if exists "events" cascade;`);
  }

}

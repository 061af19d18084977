import { Migration } from '@mikro-orm/migrations';

export class Migration20261125222531 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "webhooks" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "environment_id" uuid not null, "url" text not null, "description" text null, "event_types" text[] not null, "organization_id" uuid null, "enabled" boolean not null default true, "disabled_reason" text null, "secret_sealed" text not null, constraint "webhooks_pkey" primary key ("id"));`);
    this.addSql(`create index "webhooks_environment_id_index" on "webhooks" ("environment_id");`);

    this.addSql(`create table "webhook_deliveries" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "webhook_id" uuid not null, "event_id" uuid not null, "event_type" text not null, "status" text check ("status" in ('pending', 'succeeded', 'failed')) not null default 'pending', "attempts" jsonb not null, "attempt_count" int not null default 0, "next_attempt_at" timestamptz null, constraint "webhook_deliveries_pkey" primary key ("id"));`);
    this.addSql(`create index "webhook_deliveries_webhook_id_status_index" on "webhook_deliveries" ("webhook_id", "status");`);
    this.addSql(`create index "webhook_deliveries_webhook_id_event_id_index" on "webhook_deliveries" ("webhook_id", "event_id");`);

    this.addSql(`alter table "webhook_deliveries" add constraint "webhook_deliveries_webhook_id_foreign" foreign key ("webhook_id") references "webhooks" ("id") on update cascade on delete cascade;`);

    // UUIDv7 in SQL (PostgreSQL < 18 has no uuidv7()): time-sortable delivery ids, like the app's.
    this.addSql(`create function "dsync_uuid_v7"() returns uuid language sql volatile as $$
  select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
    substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
$$;`);
    // Transactional outbox: every event row creates a delivery per matching enabled endpoint and queues that
    // endpoint's graphile-worker job (one per endpoint: the job key coalesces a transaction's events), in the
    // event's own transaction. add_job is resolved when it runs; the app installs graphile-worker's schema at
    // start, before any event can be written.
    this.addSql(`create function "events_enqueue_webhooks"() returns trigger language plpgsql as $$
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
    this.addSql(`create trigger "events_enqueue_webhooks" after insert on "events" for each row execute function "events_enqueue_webhooks"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "events_enqueue_webhooks" on "events";`);
    this.addSql(`drop function if exists "events_enqueue_webhooks"();`);
    this.addSql(`drop function if exists "dsync_uuid_v7"();`);
    this.addSql(`alter table "webhook_deliveries" drop constraint "webhook_deliveries_webhook_id_foreign";`);

    this.addSql(`drop table if exists "webhooks" cascade;`);

    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261125231015 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index "webhook_deliveries_webhook_id_status_index";`);

    this.addSql(`alter table "webhook_deliveries" add column "lease_until" timestamptz null;`);
    this.addSql(`create index "webhook_deliveries_webhook_id_status_next_attempt_at_index" on "webhook_deliveries" ("webhook_id", "status", "next_attempt_at");`);
    // One graphile-worker job per endpoint instead of one per delivery: the job delivers that endpoint's due
    // deliveries in batches (job_key coalesces the events of a transaction, and of a busy endpoint, into one job).
    this.addSql(`create or replace function "events_enqueue_webhooks"() returns trigger language plpgsql as $$
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
  }

  override async down(): Promise<void> {
    this.addSql(`create or replace function "events_enqueue_webhooks"() returns trigger language plpgsql as $$
declare
  hook record;
  delivery_id uuid;
begin
  for hook in
    select w.id from webhooks w
     where w.environment_id = new.environment_id and w.enabled
       and (w.organization_id is null or w.organization_id = new.organization_id)
       and (cardinality(w.event_types) = 0 or new.type = any(w.event_types))
  loop
    delivery_id := dsync_uuid_v7();
    insert into webhook_deliveries (id, created_at, updated_at, webhook_id, event_id, event_type, status, attempts, attempt_count, next_attempt_at)
      values (delivery_id, now(), now(), hook.id, new.id, new.type, 'pending', '[]', 0, now());
    perform graphile_worker.add_job('deliver_webhook', json_build_object('deliveryId', delivery_id), job_key := delivery_id::text);
  end loop;
  return null;
end
$$;`);
    this.addSql(`drop index "webhook_deliveries_webhook_id_status_next_attempt_at_index";`);
    this.addSql(`alter table "webhook_deliveries" drop column "lease_until";`);

    this.addSql(`create index "webhook_deliveries_webhook_id_status_index" on "webhook_deliveries" ("webhook_id", "status");`);
  }

}

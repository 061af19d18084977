import { Migration } from '@mikro-orm/migrations';

export class Migration20261125231015 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index "webhook_deliveries_webhook_id_status_index";`);

    this.addSql(`alter table "webhook_deliveries" add column "lease_until" timestamptz null;`);
    this.addSql(`create index "webhook_deliveries_webhook_id_status_next_attempt_at_index" on "webhook_deliveries" ("webhook_id", "status", "next_attempt_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "webhook_deliveries_webhook_id_status_next_attempt_at_index";`);
    this.addSql(`alter table "webhook_deliveries" drop column "lease_until";`);

    this.addSql(`create index "webhook_deliveries_webhook_id_status_index" on "webhook_deliveries" ("webhook_id", "status");`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/**
 * The oldest pending delivery in one index lookup: the `dsync_webhook_oldest_pending_seconds` gauge reads
 * `min(created_at) where status = 'pending'` on every scrape.
 */
export class Migration20261201014500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "webhook_deliveries_pending_created_at_index" on "webhook_deliveries" ("created_at") where "status" = 'pending';`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index "webhook_deliveries_pending_created_at_index";');
  }
}

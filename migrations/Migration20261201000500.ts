import { Migration } from '@mikro-orm/migrations';

/**
 * The shared token bucket of each directory's SCIM rate limit (src/tenancy/scim-rate-limit.ts): processes
 * lease tokens from it in small batches. Unlogged: it is rewritten several times a second under load, and
 * after a crash an empty table only means every bucket starts full again.
 */
export class Migration20261201000500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create unlogged table "scim_rate_buckets" (
  "directory_id" uuid not null primary key references "directories" ("id") on delete cascade,
  "tokens" double precision not null,
  "granted" integer not null,
  "updated_at" timestamptz not null
);`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "scim_rate_buckets";');
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The shared token bucket of each directory's SCIM rate limit (src/tenancy/scim-rate-limit.ts): processes
 * lease tokens from it in small batches. Unlogged: it is rewritten several times a second under load, and
 * after a crash an empty table only means every bucket starts full again.
 */
export class Migration20261201000500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create unlogged table "scim_rate_buckets" ("directory_id" uuid not null, "tokens" double precision not null, "granted" int not null, "updated_at" timestamptz not null, constraint "scim_rate_buckets_pkey" primary key ("directory_id"));`);
    this.addSql(`alter table "scim_rate_buckets" add constraint "scim_rate_buckets_directory_id_foreign" foreign key ("directory_id") references "directories" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "scim_rate_buckets" cascade;');
  }
}

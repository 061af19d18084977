import { Migration } from '@mikro-orm/migrations';

/**
 * Directory health (src/tenancy/directory-health.ts): the last request, success and error of each directory,
 * and its requests and errors per hour, upserted in the SCIM request log's flush. Logged tables, unlike the
 * log itself: they are small, and a crash must not make a connected IdP look as if it never called.
 */
export class Migration20261201021510 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "directory_request_counts" ("directory_id" uuid not null, "hour" timestamptz not null, "requests" int not null, "errors" int not null, constraint "directory_request_counts_pkey" primary key ("directory_id", "hour"));`);

    this.addSql(`create table "directory_health" ("directory_id" uuid not null, "last_request_at" timestamptz not null, "last_success_at" timestamptz null, "last_error_at" timestamptz null, "last_error_status" smallint null, "last_error_scim_type" text null, "last_error_detail" text null, constraint "directory_health_pkey" primary key ("directory_id"));`);

    this.addSql(`alter table "directory_request_counts" add constraint "directory_request_counts_directory_id_foreign" foreign key ("directory_id") references "directories" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "directory_health" add constraint "directory_health_directory_id_foreign" foreign key ("directory_id") references "directories" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "directory_request_counts" cascade;`);

    this.addSql(`drop table if exists "directory_health" cascade;`);
  }

}

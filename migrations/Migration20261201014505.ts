import { Migration } from '@mikro-orm/migrations';

/**
 * The per-directory SCIM request log (src/tenancy/scim-request-log.ts): diagnostics for admins and support,
 * written in batches off the request. Unlogged, like scim_rate_buckets: after a crash an empty log only
 * loses diagnostics, and rows of up to 32 KiB of bodies cost no WAL.
 */
export class Migration20261201014505 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create unlogged table "scim_request_log" ("directory_id" uuid not null, "id" uuid not null, "created_at" timestamptz not null, "method" text not null, "path" text not null, "status" smallint not null, "scim_type" text null, "error_detail" text null, "duration_ms" int not null, "user_agent" text null, "request_id" text null, "auth_failure" text null, "request_body" text null, "request_body_truncated" boolean not null, "response_body" text null, "response_body_truncated" boolean not null, constraint "scim_request_log_pkey" primary key ("directory_id", "id"));`);

    this.addSql(`alter table "scim_request_log" add constraint "scim_request_log_directory_id_foreign" foreign key ("directory_id") references "directories" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "scim_request_log" cascade;`);
  }

}

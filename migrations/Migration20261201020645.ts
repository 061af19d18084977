import { Migration } from '@mikro-orm/migrations';

/**
 * The audit log: one row per GraphQL mutation call (who, what, target ids, origin, outcome), read newest
 * first per environment (optionally per organization) and purged by age.
 */
export class Migration20261201020645 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_log" ("id" uuid not null, "environment_id" uuid null, "organization_id" uuid null, "actor_type" text check ("actor_type" in ('api_key', 'admin', 'anonymous')) not null, "actor_id" uuid null, "actor_label" text null, "action" text not null, "target_type" text null, "target_id" uuid null, "ip" text null, "user_agent" text null, "request_id" text null, "outcome" text not null, "created_at" timestamptz not null, constraint "audit_log_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_log_created_at_index" on "audit_log" ("created_at");`);
    this.addSql(`create index "audit_log_environment_id_organization_id_id_index" on "audit_log" ("environment_id", "organization_id", "id");`);
    this.addSql(`create index "audit_log_environment_id_id_index" on "audit_log" ("environment_id", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_log" cascade;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261124021749 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "environments" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "name" text check ("name" in ('sandbox', 'production')) not null, constraint "environments_pkey" primary key ("id"));`);
    this.addSql(`alter table "environments" add constraint "environments_name_unique" unique ("name");`);

    this.addSql(`create table "api_keys" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "environment_id" uuid not null, "name" text not null, "prefix" text not null, "secret_hash" text not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "api_keys_pkey" primary key ("id"));`);
    this.addSql(`create index "api_keys_environment_id_index" on "api_keys" ("environment_id");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_secret_hash_unique" unique ("secret_hash");`);

    this.addSql(`create table "organizations" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "environment_id" uuid not null, "name" text not null, "domain" text null, "metadata" jsonb not null, constraint "organizations_pkey" primary key ("id"));`);
    this.addSql(`alter table "organizations" add constraint "organizations_environment_id_domain_unique" unique ("environment_id", "domain");`);

    this.addSql(`create table "directories" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "name" text not null, "provider" text check ("provider" in ('ENTRA_ID', 'OKTA', 'ONELOGIN', 'JUMPCLOUD', 'PING', 'GENERIC_SCIM')) not null, "state" text check ("state" in ('pending', 'active', 'inactive')) not null default 'pending', "token_hash" text not null, "token_prefix" text not null, "last_sync_at" timestamptz null, constraint "directories_pkey" primary key ("id"));`);
    this.addSql(`create index "directories_organization_id_index" on "directories" ("organization_id");`);
    this.addSql(`alter table "directories" add constraint "directories_token_hash_unique" unique ("token_hash");`);

    this.addSql(`alter table "api_keys" add constraint "api_keys_environment_id_foreign" foreign key ("environment_id") references "environments" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "organizations" add constraint "organizations_environment_id_foreign" foreign key ("environment_id") references "environments" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "directories" add constraint "directories_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "api_keys" drop constraint "api_keys_environment_id_foreign";`);

    this.addSql(`alter table "organizations" drop constraint "organizations_environment_id_foreign";`);

    this.addSql(`alter table "directories" drop constraint "directories_organization_id_foreign";`);

    this.addSql(`drop table if exists "environments" cascade;`);

    this.addSql(`drop table if exists "api_keys" cascade;`);

    this.addSql(`drop table if exists "organizations" cascade;`);

    this.addSql(`drop table if exists "directories" cascade;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/**
 * Customer IT admins: admins of one organization, their invitations and their sessions (tokens stored as
 * SHA-256 hashes only); all go with their organization.
 */
export class Migration20261201020125 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "admin_invitations" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "organization_id" uuid not null, "email" text not null, "token_hash" text not null, "expires_at" timestamptz not null, "accepted_at" timestamptz null, "cancelled_at" timestamptz null, "invited_by_id" uuid null, constraint "admin_invitations_pkey" primary key ("id"));`);
    this.addSql(`alter table "admin_invitations" add constraint "admin_invitations_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "admin_invitations_organization_id_email_index" on "admin_invitations" ("organization_id", "email");`);

    this.addSql(`create table "admins" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "environment_id" uuid not null, "organization_id" uuid not null, "email" text not null, "name" text null, "revoked_at" timestamptz null, constraint "admins_pkey" primary key ("id"));`);
    this.addSql(`create index "admins_organization_id_email_index" on "admins" ("organization_id", "email");`);

    this.addSql(`create table "admin_sessions" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "admin_id" uuid not null, "token_hash" text not null, "expires_at" timestamptz not null, "ended_at" timestamptz null, "end_reason" text check ("end_reason" in ('signed_out', 'revoked')) null, constraint "admin_sessions_pkey" primary key ("id"));`);
    this.addSql(`create index "admin_sessions_admin_id_index" on "admin_sessions" ("admin_id");`);
    this.addSql(`alter table "admin_sessions" add constraint "admin_sessions_token_hash_unique" unique ("token_hash");`);

    this.addSql(`alter table "admin_invitations" add constraint "admin_invitations_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "admin_invitations" add constraint "admin_invitations_invited_by_id_foreign" foreign key ("invited_by_id") references "api_keys" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "admins" add constraint "admins_environment_id_foreign" foreign key ("environment_id") references "environments" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "admins" add constraint "admins_organization_id_foreign" foreign key ("organization_id") references "organizations" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "admin_sessions" add constraint "admin_sessions_admin_id_foreign" foreign key ("admin_id") references "admins" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "admin_sessions" drop constraint "admin_sessions_admin_id_foreign";`);

    this.addSql(`drop table if exists "admin_invitations" cascade;`);

    this.addSql(`drop table if exists "admins" cascade;`);

    this.addSql(`drop table if exists "admin_sessions" cascade;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261124024558 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "directory_users" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "directory_id" uuid not null, "external_id" text null, "user_name" text not null, "user_name_lower" text not null, "email" text null, "emails" text[] not null, "first_name" text null, "last_name" text null, "display_name" text null, "state" text check ("state" in ('active', 'inactive')) not null default 'active', "raw" jsonb not null, "version" int not null default 1, constraint "directory_users_pkey" primary key ("id"));`);
    this.addSql(`create index "directory_users_directory_id_email_index" on "directory_users" ("directory_id", "email");`);
    this.addSql(`create index "directory_users_directory_id_external_id_index" on "directory_users" ("directory_id", "external_id");`);
    this.addSql(`alter table "directory_users" add constraint "directory_users_directory_id_user_name_lower_unique" unique ("directory_id", "user_name_lower");`);

    this.addSql(`create table "directory_groups" ("id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "directory_id" uuid not null, "external_id" text null, "display_name" text not null, "display_name_lower" text not null, "raw" jsonb not null, "version" int not null default 1, constraint "directory_groups_pkey" primary key ("id"));`);
    this.addSql(`create index "directory_groups_directory_id_external_id_index" on "directory_groups" ("directory_id", "external_id");`);
    this.addSql(`create index "directory_groups_directory_id_display_name_lower_index" on "directory_groups" ("directory_id", "display_name_lower");`);

    this.addSql(`create table "group_members" ("group_id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null, constraint "group_members_pkey" primary key ("group_id", "user_id"));`);
    this.addSql(`create index "group_members_user_id_index" on "group_members" ("user_id");`);

    this.addSql(`alter table "directory_users" add constraint "directory_users_directory_id_foreign" foreign key ("directory_id") references "directories" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "directory_groups" add constraint "directory_groups_directory_id_foreign" foreign key ("directory_id") references "directories" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "group_members" add constraint "group_members_group_id_foreign" foreign key ("group_id") references "directory_groups" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "group_members" add constraint "group_members_user_id_foreign" foreign key ("user_id") references "directory_users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "group_members" drop constraint "group_members_user_id_foreign";`);

    this.addSql(`alter table "group_members" drop constraint "group_members_group_id_foreign";`);

    this.addSql(`drop table if exists "directory_users" cascade;`);

    this.addSql(`drop table if exists "directory_groups" cascade;`);

    this.addSql(`drop table if exists "group_members" cascade;`);
  }

}

import { Migration } from '@mikro-orm/migrations';

/** Pages of a directory in id order walk an index instead of sorting the directory's ids. */
export class Migration20261201000710 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "directory_users_directory_id_id_index" on "directory_users" ("directory_id", "id");`);

    this.addSql(`create index "directory_groups_directory_id_id_index" on "directory_groups" ("directory_id", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "directory_groups_directory_id_id_index";`);

    this.addSql(`drop index "directory_users_directory_id_id_index";`);
  }

}

import { Migration } from '@mikro-orm/migrations';

export class Migration20261125221851 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "events_directory_id_position_index" on "events" ("directory_id", "position");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "events_directory_id_position_index";`);
  }

}

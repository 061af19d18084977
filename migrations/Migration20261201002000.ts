import { Migration } from '@mikro-orm/migrations';

/**
 * Writers no longer NOTIFY at commit: PostgreSQL holds one lock on the notification queue from a notifying
 * transaction's pre-commit until its commit is flushed, so every event-writing commit waited for the previous
 * one's flush. Each process wakes its own sequencer after its commits instead; the others poll.
 */
export class Migration20261201002000 extends Migration {

  override async up(): Promise<void> {
    this.addSql('drop trigger if exists events_announce_pending on events;');
    this.addSql('drop function if exists events_announce_pending();');
  }

  override async down(): Promise<void> {
    this.addSql(`create or replace function "events_announce_pending"() returns trigger language plpgsql volatile as $$
begin
  perform pg_notify('dsync_events_pending', '');
  return null;
end
$$;`);
    this.addSql('create trigger events_announce_pending after insert on events for each statement execute function events_announce_pending();');
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Announces every change that decides whether a SCIM token authenticates, on channel `dsync_scim_auth`
 * (payload `directory:<id>` or `organization:<id>`), so that each process drops its cached authentication
 * when the change commits: a rotated or deleted token, a new provider or state, a directory added to or
 * removed from an organization (the domain alias needs it to be the only one), a changed domain.
 */
export class Migration20261130234500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create or replace function "dsync_notify_scim_auth"() returns trigger language plpgsql volatile as $$
begin
  if tg_table_name = 'directories' then
    if tg_op = 'UPDATE' then
      perform pg_notify('dsync_scim_auth', 'directory:' || new.id::text);
    elsif tg_op = 'DELETE' then
      perform pg_notify('dsync_scim_auth', 'organization:' || old.organization_id::text);
    else
      perform pg_notify('dsync_scim_auth', 'organization:' || new.organization_id::text);
    end if;
  else
    perform pg_notify('dsync_scim_auth', 'organization:' || old.id::text);
  end if;
  return null;
end
$$;`);
    this.addSql(`create trigger directories_notify_scim_auth after update on directories for each row
  when (old.token_hash is distinct from new.token_hash or old.state is distinct from new.state
     or old.provider is distinct from new.provider or old.name is distinct from new.name
     or old.organization_id is distinct from new.organization_id)
  execute function dsync_notify_scim_auth();`);
    this.addSql(`create trigger directories_notify_scim_auth_membership after insert or delete on directories
  for each row execute function dsync_notify_scim_auth();`);
    this.addSql(`create trigger organizations_notify_scim_auth after update on organizations for each row
  when (old.domain is distinct from new.domain) execute function dsync_notify_scim_auth();`);
    this.addSql(`create trigger organizations_notify_scim_auth_delete after delete on organizations
  for each row execute function dsync_notify_scim_auth();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop trigger if exists organizations_notify_scim_auth_delete on organizations;');
    this.addSql('drop trigger if exists organizations_notify_scim_auth on organizations;');
    this.addSql('drop trigger if exists directories_notify_scim_auth_membership on directories;');
    this.addSql('drop trigger if exists directories_notify_scim_auth on directories;');
    this.addSql('drop function if exists dsync_notify_scim_auth();');
  }
}

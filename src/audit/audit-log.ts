import { checkCursor, keysetPage, pageSize, type Page, type PageArgs } from '../db/pagination.js';
import { parseTimestamp, type Sql } from '../db/sql.js';
import { InvalidInputError } from '../lib/errors.js';
import { isUuid, newId } from '../lib/ids.js';
import type { Actor, AuditActorType } from './actor.js';

/*
 * The one reader and writer of the `audit_log` table (the entity only describes it), with plain SQL on the
 * ORM's pool: an entry is one autocommitted statement of its own, outside any mutation's transaction.
 */

/** What an entry may keep of a User-Agent header. */
export const USER_AGENT_MAX_LENGTH = 256;

/** Where a request came from. */
export interface RequestOrigin {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
}

/** What the mutation acted on; ids only (uuids), never an argument's text. */
export interface AuditTarget {
  readonly type: string;
  readonly id: string | null;
}

export interface NewAuditEntry {
  readonly environmentId: string | null;
  readonly organizationId: string | null;
  readonly actor: Actor;
  readonly action: string;
  readonly target: AuditTarget | null;
  readonly origin: RequestOrigin;
  /** `ok` or the GraphQL error code. */
  readonly outcome: string;
}

export interface AuditEntryRecord {
  readonly id: string;
  readonly environmentId: string | null;
  readonly organizationId: string | null;
  readonly actorType: AuditActorType;
  readonly actorId: string | null;
  readonly actorLabel: string | null;
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  readonly outcome: string;
  readonly createdAt: Date;
}

/** Which entries a reader wants; `environmentId` is always the caller's own (the one environment filter). */
export interface AuditLogFilter {
  readonly environmentId: string;
  /** An admin's organization: only its entries (whatever `organizationId` asks for). */
  readonly scopeOrganizationId?: string | undefined;
  readonly organizationId?: string | null | undefined;
  readonly actorType?: AuditActorType | null | undefined;
  readonly action?: string | null | undefined;
  readonly since?: Date | null | undefined;
  readonly until?: Date | null | undefined;
}

interface AuditRow {
  id: string;
  environment_id: string | null;
  organization_id: string | null;
  actor_type: AuditActorType;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  outcome: string;
  created_at: string;
}

const COLUMNS =
  'a.id, a.environment_id, a.organization_id, a.actor_type, a.actor_id, a.actor_label, a.action, a.target_type, ' +
  'a.target_id, a.ip, a.user_agent, a.request_id, a.outcome, a.created_at';

function toRecord(row: AuditRow): AuditEntryRecord {
  return {
    id: row.id,
    environmentId: row.environment_id,
    organizationId: row.organization_id,
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    outcome: row.outcome,
    createdAt: parseTimestamp(row.created_at),
  };
}

/** A uuid, or null: only well-formed ids are kept, never arbitrary text a caller sent. */
function uuidOrNull(value: string | null | undefined): string | null {
  return value && isUuid(value) ? value : null;
}

/** Appends one entry in a statement of its own. */
export async function recordAuditEntry(sql: Sql, entry: NewAuditEntry): Promise<void> {
  await sql.run(
    `insert into audit_log (id, environment_id, organization_id, actor_type, actor_id, actor_label, action,
       target_type, target_id, ip, user_agent, request_id, outcome, created_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())`,
    [
      newId(),
      uuidOrNull(entry.environmentId),
      uuidOrNull(entry.organizationId),
      entry.actor.type,
      uuidOrNull(entry.actor.id),
      entry.actor.label,
      entry.action,
      entry.target?.type ?? null,
      uuidOrNull(entry.target?.id),
      entry.origin.ip,
      entry.origin.userAgent?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
      entry.origin.requestId,
      entry.outcome,
    ],
  );
}

/** What a target's organization is found by, per target type: one indexed read, scoped to the environment. */
const ORGANIZATION_OF: Readonly<Record<string, string>> = {
  Organization: 'select o.id as organization_id, o.environment_id from organizations o where o.id = $1',
  Directory:
    'select d.organization_id, o.environment_id from directories d join organizations o on o.id = d.organization_id where d.id = $1',
  Webhook: 'select w.organization_id, w.environment_id from webhooks w where w.id = $1',
  Admin: 'select a.organization_id, a.environment_id from admins a where a.id = $1',
  AdminInvitation:
    'select i.organization_id, o.environment_id from admin_invitations i join organizations o on o.id = i.organization_id where i.id = $1',
};

export interface TargetScope {
  readonly organizationId: string | null;
  readonly environmentId: string | null;
}

/**
 * The organization (and environment) a target belongs to, when its type has one and it exists in
 * `environmentId` (any environment when null: an anonymous caller); nulls otherwise.
 */
export async function scopeOfTarget(sql: Sql, target: AuditTarget, environmentId: string | null): Promise<TargetScope> {
  const text = ORGANIZATION_OF[target.type];
  const id = uuidOrNull(target.id);
  if (!text || !id) return { organizationId: null, environmentId: null };
  const [row] = await sql.query<{ organization_id: string | null; environment_id: string }>(text, [id]);
  if (!row || (environmentId !== null && row.environment_id !== environmentId)) {
    return { organizationId: null, environmentId: null };
  }
  return { organizationId: row.organization_id, environmentId: row.environment_id };
}

/** Checks the parts of a filter a caller types in; `actions` are the names an action may have. */
export function checkAuditLogFilter(filter: AuditLogFilter, actions: ReadonlySet<string>): void {
  if (filter.organizationId && !isUuid(filter.organizationId))
    throw new InvalidInputError('organizationId is not a valid id', 'organizationId');
  if (filter.action && !actions.has(filter.action))
    throw new InvalidInputError('action is not the name of a mutation', 'action');
}

/** The SQL condition (alias `a`) for a filter, with its parameters ($1 onwards). */
function whereOf(filter: AuditLogFilter): { sql: string; params: unknown[] } {
  const parts = ['a.environment_id = $1'];
  const params: unknown[] = [filter.environmentId];
  const add = (condition: (at: string) => string, value: unknown) => {
    params.push(value);
    parts.push(condition(`$${params.length}`));
  };
  if (filter.scopeOrganizationId) add((at) => `a.organization_id = ${at}`, filter.scopeOrganizationId);
  if (filter.organizationId) add((at) => `a.organization_id = ${at}`, filter.organizationId);
  if (filter.actorType) add((at) => `a.actor_type = ${at}`, filter.actorType);
  if (filter.action) add((at) => `a.action = ${at}`, filter.action);
  if (filter.since) add((at) => `a.created_at >= ${at}`, filter.since);
  if (filter.until) add((at) => `a.created_at < ${at}`, filter.until);
  return { sql: parts.join(' and '), params };
}

/** A page of entries matching `filter`, newest first. */
export async function listAuditEntries(
  sql: Sql,
  filter: AuditLogFilter,
  page: PageArgs,
): Promise<Page<AuditEntryRecord>> {
  const first = pageSize(page.first);
  const after = page.after ? checkCursor(page.after) : null;
  const where = whereOf(filter);
  const at = where.params.length;
  const [rows, counted] = await Promise.all([
    sql.query<AuditRow>(
      `select ${COLUMNS} from audit_log a where ${where.sql}${after ? ` and a.id < $${at + 2}` : ''}
       order by a.id desc limit $${at + 1}`,
      [...where.params, first + 1, ...(after ? [after] : [])],
    ),
    sql.query<{ count: string }>(`select count(*) as count from audit_log a where ${where.sql}`, where.params),
  ]);
  return keysetPage(rows.map(toRecord), first, after, Number(counted[0]?.count ?? 0));
}

/** Deletes entries created before `cutoff`, in batches; resolves with how many went. */
export async function purgeAuditEntriesBefore(sql: Sql, cutoff: Date, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await sql.run(
      'delete from audit_log where id in (select id from audit_log where created_at < $1 limit $2)',
      [cutoff, batch],
    );
    total += deleted;
    if (deleted < batch) return total;
  }
}

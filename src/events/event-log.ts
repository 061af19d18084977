import type { Sql } from '../db/sql.js';
import { ExpiredError, InvalidInputError, NotFoundError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import { isDirectoryEventType, type DirectoryEvent, type DirectoryEventType } from './event-types.js';

/*
 * The one reader of the `events` table (the entity only writes it): every read goes through `Sql` on the ORM's
 * pool (`sqlDatabase`), so rows arrive as that pool parses them — see EventRow.
 */

/** Which committed events a reader wants; `environmentId` is always the caller's own. */
export interface EventFilter {
  readonly environmentId: string;
  readonly organizationId?: string | null | undefined;
  readonly directoryId?: string | null | undefined;
  readonly types?: readonly string[] | null | undefined;
  readonly since?: Date | null | undefined;
  readonly until?: Date | null | undefined;
}

/** A row of {@link COLUMNS} on the ORM's pool: int8 as text, timestamptz as text (MikroORM's parser), jsonb parsed. */
interface EventRow {
  id: string;
  position: string;
  sequence: number;
  type: DirectoryEventType;
  created_at: string;
  environment_id: string;
  organization_id: string;
  directory_id: string;
  data: Record<string, unknown>;
  committed_at: string;
}

/** The columns of {@link EventRow}, for a table aliased `e`. */
const COLUMNS =
  'e.id, e.position, e.sequence, e.type, e.created_at, e.environment_id, e.organization_id, e.directory_id, e.data, ' +
  'e.committed_at';

function toDirectoryEvent(row: EventRow): DirectoryEvent {
  return {
    id: row.id,
    position: Number(row.position),
    sequence: row.sequence,
    type: row.type,
    createdAt: new Date(row.created_at),
    environmentId: row.environment_id,
    organizationId: row.organization_id,
    directoryId: row.directory_id,
    data: row.data,
    committedAt: new Date(row.committed_at),
  };
}

/** Events by a statement that selects {@link COLUMNS}. */
async function selectEvents(sql: Sql, text: string, params: readonly unknown[]): Promise<DirectoryEvent[]> {
  const rows = await sql.query<EventRow>(text, params);
  return rows.map(toDirectoryEvent);
}

/** Checks the parts of a filter a caller types in: ids are uuids, types are known event types. */
export function checkEventFilter(filter: EventFilter): void {
  for (const field of ['organizationId', 'directoryId'] as const) {
    const id = filter[field];
    if (id && !isUuid(id)) throw new InvalidInputError(`${field} is not a valid id`, field);
  }
  const unknown = (filter.types ?? []).filter((type) => !isDirectoryEventType(type));
  if (unknown.length > 0) throw new InvalidInputError(`unknown event types: ${unknown.join(', ')}`, 'types');
}

/** The SQL condition (alias `e`) for a filter, with its parameters ($1 onwards). */
function whereOf(filter: EventFilter): { sql: string; params: unknown[] } {
  const parts = ['e.environment_id = $1', 'e.position is not null'];
  const params: unknown[] = [filter.environmentId];
  const add = (condition: (at: string) => string, value: unknown) => {
    params.push(value);
    parts.push(condition(`$${params.length}`));
  };
  if (filter.organizationId) add((at) => `e.organization_id = ${at}`, filter.organizationId);
  if (filter.directoryId) add((at) => `e.directory_id = ${at}`, filter.directoryId);
  if (filter.types && filter.types.length > 0) add((at) => `e.type = any(${at}::text[])`, filter.types);
  if (filter.since) add((at) => `e.created_at >= ${at}`, filter.since);
  if (filter.until) add((at) => `e.created_at < ${at}`, filter.until);
  return { sql: parts.join(' and '), params };
}

/** Committed events matching `filter` after commit position `position`, oldest first (history, catch-up). */
export async function readEventsAfter(
  sql: Sql,
  filter: EventFilter,
  position: number,
  limit: number,
): Promise<DirectoryEvent[]> {
  const where = whereOf(filter);
  const at = where.params.length;
  return selectEvents(
    sql,
    `select ${COLUMNS} from events e where ${where.sql} and e.position > $${at + 1} order by e.position limit $${at + 2}`,
    [...where.params, position, limit],
  );
}

/** Every committed event after `position`, across environments, oldest first (the relay's feed). */
export async function readAllEventsAfter(sql: Sql, position: number, limit: number): Promise<DirectoryEvent[]> {
  return selectEvents(sql, `select ${COLUMNS} from events e where e.position > $1 order by e.position limit $2`, [
    position,
    limit,
  ]);
}

/** The events with these ids that are still retained, by id (the webhook worker: the events of due deliveries). */
export async function readEventsByIds(sql: Sql, ids: readonly string[]): Promise<Map<string, DirectoryEvent>> {
  if (ids.length === 0) return new Map();
  const events = await selectEvents(sql, `select ${COLUMNS} from events e where e.id = any($1::uuid[])`, [ids]);
  return new Map(events.map((event) => [event.id, event]));
}

/** One committed event of the environment (of one organization, when given); NotFoundError otherwise. */
export async function findEvent(
  sql: Sql,
  environmentId: string,
  id: string,
  organizationId: string | null = null,
): Promise<DirectoryEvent> {
  const [event] = isUuid(id)
    ? await selectEvents(
        sql,
        `select ${COLUMNS} from events e where e.id = $1 and e.environment_id = $2 and e.position is not null
          and ($3::uuid is null or e.organization_id = $3)`,
        [id, environmentId, organizationId],
      )
    : [];
  if (!event) throw new NotFoundError('Event', id);
  return event;
}

/** How many committed events match `filter` (the connection's totalCount). */
export async function countEvents(sql: Sql, filter: EventFilter): Promise<number> {
  const where = whereOf(filter);
  const [row] = await sql.query<{ count: string }>(
    `select count(*) as count from events e where ${where.sql}`,
    where.params,
  );
  return Number(row?.count ?? 0);
}

/** Milliseconds since the epoch encoded in a UUIDv7 (RFC 9562 §5.7), or null for other ids. */
function uuidv7Time(id: string): number | null {
  if (!isUuid(id) || id[14] !== '7') return null;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/**
 * The commit position after which a resume with `after: <event id>` continues. An id that is not in the
 * table but was minted before the oldest retained event has been purged: ExpiredError (CURSOR_EXPIRED).
 */
export async function positionAfterEvent(
  sql: Sql,
  environmentId: string,
  eventId: string,
  retentionCutoff: Date,
  organizationId: string | null = null,
): Promise<number> {
  const [row] = isUuid(eventId)
    ? await sql.query<{ position: string }>(
        `select position from events where id = $1 and environment_id = $2 and position is not null
          and ($3::uuid is null or organization_id = $3)`,
        [eventId, environmentId, organizationId],
      )
    : [];
  if (row) return Number(row.position);
  const minted = uuidv7Time(eventId);
  if (minted !== null && minted < retentionCutoff.getTime()) {
    throw new ExpiredError(
      `event ${JSON.stringify(eventId)} is older than the event retention; resume from a full sync`,
    );
  }
  throw new NotFoundError('Event', eventId);
}

/**
 * The commit position after which a resume with `afterSequence: n` in one directory continues: just
 * before that directory's event n + 1, or, when it has not happened yet, the newest position now (one
 * statement, so no event can commit between the two lookups). Purged events: ExpiredError.
 */
export async function positionAfterSequence(sql: Sql, directoryId: string, sequence: number): Promise<number> {
  if (!Number.isInteger(sequence) || sequence < 0)
    throw new InvalidInputError('afterSequence must be a non-negative integer', 'afterSequence');
  const [row] = await sql.query<{ next: string | null; newest: string | null; last: number | null }>(
    `select (select position - 1 from events where directory_id = $1 and sequence = $2) as next,
            (select max(position) from events) as newest,
            (select last_sequence from directory_event_counters where directory_id = $1) as last`,
    [directoryId, sequence + 1],
  );
  const last = row?.last ?? 0;
  if (sequence > last)
    throw new InvalidInputError(
      `afterSequence ${sequence} is ahead of the directory's last event (${last})`,
      'afterSequence',
    );
  if (row?.next !== null && row?.next !== undefined) return Number(row.next);
  if (sequence < last)
    throw new ExpiredError(
      `events after sequence ${sequence} are older than the event retention; resume from a full sync`,
    );
  return Number(row?.newest ?? 0);
}

/** The newest commit position (0 before the first event). */
export async function newestPosition(sql: Sql): Promise<number> {
  const [row] = await sql.query<{ newest: string | null }>('select max(position) as newest from events');
  return Number(row?.newest ?? 0);
}

/**
 * Whether the environment (one organization of it, when `withinOrganizationId` is given) has events of this
 * organization or directory (which may since have been deleted).
 */
export async function hasEventsOf(
  sql: Sql,
  environmentId: string,
  scope: { organizationId: string } | { directoryId: string },
  withinOrganizationId: string | null = null,
): Promise<boolean> {
  const [column, id] =
    'organizationId' in scope ? ['organization_id', scope.organizationId] : ['directory_id', scope.directoryId];
  const rows = await sql.query(
    `select 1 from events where environment_id = $1 and ${column} = $2
      and ($3::uuid is null or organization_id = $3) limit 1`,
    [environmentId, id, withinOrganizationId],
  );
  return rows.length > 0;
}

/**
 * Deletes published events created before `cutoff`, at most `batch` rows per statement; returns how many
 * went. An event still waiting for publication (held back by an old open transaction) is kept: it has
 * deliveries and subscribers to reach first.
 */
export async function purgeEventsBefore(sql: Sql, cutoff: Date, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await sql.run(
      'delete from events where id in (select id from events where created_at < $1 and position is not null limit $2)',
      [cutoff, batch],
    );
    total += deleted;
    if (deleted < batch) return total;
  }
}

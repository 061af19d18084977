import type { EntityManager } from '@mikro-orm/postgresql';

import { ExpiredError, InvalidInputError, NotFoundError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import { isDirectoryEventType, type DirectoryEvent, type DirectoryEventType } from './event-types.js';

/** Which committed events a reader wants; `environmentId` is always the caller's own. */
export interface EventFilter {
  readonly environmentId: string;
  readonly organizationId?: string | null | undefined;
  readonly directoryId?: string | null | undefined;
  readonly types?: readonly string[] | null | undefined;
  readonly since?: Date | null | undefined;
  readonly until?: Date | null | undefined;
}

interface EventRow {
  id: string;
  position: string | number;
  sequence: number;
  type: string;
  created_at: Date | string;
  environment_id: string;
  organization_id: string;
  directory_id: string;
  data: Record<string, unknown> | string;
}

const COLUMNS = 'id, position, sequence, type, created_at, environment_id, organization_id, directory_id, data';

export function toDirectoryEvent(row: EventRow): DirectoryEvent {
  return {
    id: row.id,
    position: Number(row.position),
    sequence: row.sequence,
    type: row.type as DirectoryEventType,
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
    environmentId: row.environment_id,
    organizationId: row.organization_id,
    directoryId: row.directory_id,
    data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data,
  };
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

/** The SQL condition (alias `e`) for a filter, with its parameters. */
function whereOf(filter: EventFilter): { sql: string; params: unknown[] } {
  const parts = ['e.environment_id = ?', 'e.position is not null'];
  const params: unknown[] = [filter.environmentId];
  if (filter.organizationId) {
    parts.push('e.organization_id = ?');
    params.push(filter.organizationId);
  }
  if (filter.directoryId) {
    parts.push('e.directory_id = ?');
    params.push(filter.directoryId);
  }
  if (filter.types && filter.types.length > 0) {
    parts.push(`e.type in (${filter.types.map(() => '?').join(',')})`);
    params.push(...filter.types);
  }
  if (filter.since) {
    parts.push('e.created_at >= ?');
    params.push(filter.since);
  }
  if (filter.until) {
    parts.push('e.created_at < ?');
    params.push(filter.until);
  }
  return { sql: parts.join(' and '), params };
}

/** Committed events matching `filter` after commit position `position`, oldest first. */
export async function readEventsAfter(
  em: EntityManager,
  filter: EventFilter,
  position: number,
  limit: number,
): Promise<DirectoryEvent[]> {
  const where = whereOf(filter);
  const rows = await em.execute<EventRow[]>(
    `select ${COLUMNS} from events e where ${where.sql} and e.position > ? order by e.position limit ?`,
    [...where.params, position, limit],
  );
  return rows.map(toDirectoryEvent);
}

/** How many committed events match `filter` (the connection's totalCount). */
export async function countEvents(em: EntityManager, filter: EventFilter): Promise<number> {
  const where = whereOf(filter);
  const [row] = await em.execute<{ count: string }[]>(
    `select count(*) as count from events e where ${where.sql}`,
    where.params,
  );
  return Number(row?.count ?? 0);
}

export async function findEventOrFail(em: EntityManager, environmentId: string, id: string): Promise<DirectoryEvent> {
  const [row] = isUuid(id)
    ? await em.execute<EventRow[]>(
        `select ${COLUMNS} from events where id = ? and environment_id = ? and position is not null`,
        [id, environmentId],
      )
    : [];
  if (!row) throw new NotFoundError('Event', id);
  return toDirectoryEvent(row);
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
  em: EntityManager,
  environmentId: string,
  eventId: string,
  retentionCutoff: Date,
): Promise<number> {
  const [row] = isUuid(eventId)
    ? await em.execute<{ position: string }[]>(
        'select position from events where id = ? and environment_id = ? and position is not null',
        [eventId, environmentId],
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
export async function positionAfterSequence(em: EntityManager, directoryId: string, sequence: number): Promise<number> {
  if (!Number.isInteger(sequence) || sequence < 0)
    throw new InvalidInputError('afterSequence must be a non-negative integer', 'afterSequence');
  const [row] = await em.execute<{ next: string | null; newest: string | null; last: number | null }[]>(
    `select (select position - 1 from events where directory_id = ? and sequence = ?) as next,
            (select max(position) from events) as newest,
            (select last_sequence from directory_event_counters where directory_id = ?) as last`,
    [directoryId, sequence + 1, directoryId],
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

/**
 * Deletes published events created before `cutoff`, at most `batch` rows per statement; returns how many
 * went. An event still waiting for publication (held back by an old open transaction) is kept: it has
 * deliveries and subscribers to reach first.
 */
export async function purgeEventsBefore(em: EntityManager, cutoff: Date, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await em.execute<{ affectedRows?: number }>(
      'delete from events where id in (select id from events where created_at < ? and position is not null limit ?)',
      [cutoff, batch],
      'run',
    );
    const deleted = result.affectedRows ?? 0;
    total += deleted;
    if (deleted < batch) return total;
  }
}

/** Every committed event after `position`, across environments (the relay's feed). */
export async function readAllEventsAfter(
  em: EntityManager,
  position: number,
  limit: number,
): Promise<DirectoryEvent[]> {
  const rows = await em.execute<EventRow[]>(
    `select ${COLUMNS} from events where position > ? order by position limit ?`,
    [position, limit],
  );
  return rows.map(toDirectoryEvent);
}

/** The newest commit position (0 before the first event). */
export async function newestPosition(em: EntityManager): Promise<number> {
  const [row] = await em.execute<{ newest: string | null }[]>('select max(position) as newest from events');
  return Number(row?.newest ?? 0);
}

/** Whether the environment has events of this organization or directory (which may since have been deleted). */
export async function hasEventsOf(
  em: EntityManager,
  environmentId: string,
  scope: { organizationId: string } | { directoryId: string },
): Promise<boolean> {
  const [column, id] =
    'organizationId' in scope ? ['organization_id', scope.organizationId] : ['directory_id', scope.directoryId];
  const rows = await em.execute<unknown[]>(`select 1 from events where environment_id = ? and ${column} = ? limit 1`, [
    environmentId,
    id,
  ]);
  return rows.length > 0;
}

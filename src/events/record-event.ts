import type { EntityManager } from '@mikro-orm/core';

import type { Sql, Transaction } from '../db/sql.js';
import { newId } from '../lib/ids.js';
import type { EventDataMap, EventScope } from './event-types.js';
import { ProvisioningEvent } from './event.entity.js';

/** One event to insert: its type and its data. */
export type NewEvent = {
  [T in keyof EventDataMap]: { readonly type: T; readonly data: EventDataMap[T] };
}[keyof EventDataMap];

/** Columns given on insert; the rest (position, sequence, committed_at, …) belong to the outbox. */
export const EVENT_COLUMNS = 'id, environment_id, organization_id, directory_id, type, data, created_at';
const PER_ROW = 7;

/**
 * The `insert into events …` of `events` (no `returning`), its parameters numbered from `$offset + 1`: for
 * {@link insertEvents}, and for a write that inserts its row and its event in one statement (a CTE).
 */
export function eventsInsert(
  scope: EventScope,
  events: readonly NewEvent[],
  offset = 0,
): { text: string; params: unknown[] } {
  const now = new Date();
  const params: unknown[] = [];
  const rows = events.map((event, i) => {
    params.push(newId(), scope.environmentId, scope.organizationId, scope.directoryId, event.type, event.data, now);
    const at = offset + i * PER_ROW;
    return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6}, $${at + 7})`;
  });
  return { text: `insert into events (${EVENT_COLUMNS}) values ${rows.join(', ')}`, params };
}

/**
 * Inserts a transaction's events with one statement, in the given order (the order among one transaction's
 * events). Call it inside the transaction of the change they describe.
 */
export async function insertEvents(tx: Sql, scope: EventScope, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  const { text, params } = eventsInsert(scope, events);
  await tx.run(text, params);
}

/** {@link insertEvents} as the last statement of `tx`: it commits the transaction in the same round trip. */
export async function insertEventsAndCommit(
  tx: Transaction,
  scope: EventScope,
  events: readonly NewEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const { text, params } = eventsInsert(scope, events);
  await tx.commitWith(text, params);
}

/**
 * Adds an event to an EntityManager's unit of work (the tenancy services, which change entities): it is
 * inserted by the caller's next flush, in the same transaction as the change it describes.
 */
export function recordEvent<T extends keyof EventDataMap>(
  em: EntityManager,
  scope: EventScope,
  type: T,
  data: EventDataMap[T],
): void {
  em.create(ProvisioningEvent, {
    environmentId: scope.environmentId,
    organizationId: scope.organizationId,
    directoryId: scope.directoryId,
    type,
    data: data,
  });
}

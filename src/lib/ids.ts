import { v7 as uuidv7 } from 'uuid';

/** Time-sortable UUIDv7 (RFC 9562): rows ordered by id are ordered by creation time. */
export function newId(): string {
  return uuidv7();
}

/** A UUIDv7 of the time `at` (rows made later still sort by when their event happened, to the millisecond). */
export function idAt(at: Date): string {
  return uuidv7({ msecs: at.getTime() });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

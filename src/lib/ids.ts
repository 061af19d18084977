import { randomInt } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Time-sortable UUIDv7 (RFC 9562): rows ordered by id are ordered by creation time. */
export function newId(): string {
  return uuidv7();
}

/** The last counter of each recent millisecond ids were minted for (a few hundred at most). */
const counters = new Map<number, number>();
const MAX_COUNTED_MSECS = 256;

/**
 * A UUIDv7 of the time `at` (rows made later still sort by when their event happened, to the millisecond).
 * Ids minted for the same millisecond carry an increasing counter, so they sort in the order they were
 * minted, also when ids of other milliseconds were minted in between (requests that overlap); uuid's own
 * counter only applies to the current time, and an explicit time would get random bits.
 */
export function idAt(at: Date): string {
  const msecs = at.getTime();
  const last = counters.get(msecs);
  // A millisecond's first id starts low in the 31-bit counter, leaving room for the rest of it.
  const seq = last === undefined || last >= 0x7fffffff ? randomInt(0, 0x40000000) : last + 1;
  counters.set(msecs, seq);
  if (counters.size > MAX_COUNTED_MSECS) counters.delete(counters.keys().next().value as number);
  return uuidv7({ msecs, seq });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

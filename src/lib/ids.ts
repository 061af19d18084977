import { randomInt } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** Time-sortable UUIDv7 (RFC 9562): rows ordered by id are ordered by creation time. */
export function newId(): string {
  return uuidv7();
}

let lastMsecs = -1;
let lastSeq = 0;

/**
 * A UUIDv7 of the time `at` (rows made later still sort by when their event happened, to the millisecond).
 * Ids minted for the same millisecond carry an increasing counter, so they sort in the order they were
 * minted; uuid's own counter only applies to the current time, and an explicit time would get random bits.
 */
export function idAt(at: Date): string {
  const msecs = at.getTime();
  if (msecs === lastMsecs && lastSeq < 0x7fffffff) {
    lastSeq += 1;
  } else {
    // A fresh millisecond starts low in the 31-bit counter, leaving room for the rest of that millisecond.
    lastMsecs = msecs;
    lastSeq = randomInt(0, 0x40000000);
  }
  return uuidv7({ msecs, seq: lastSeq });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

import { randomUUID } from 'node:crypto';

const INCOMING_ID = /^[\w.:-]{1,100}$/;

/** A request's id: the caller's `x-request-id` when it is a plain token of at most 100 characters, else a new one. */
export function requestIdOf(incoming: string | undefined): string {
  return incoming !== undefined && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

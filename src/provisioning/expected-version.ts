import { PreconditionFailedError } from '../lib/errors.js';

/**
 * The versions a write may apply to (an ETag precondition such as SCIM's `If-Match`); absent = any version.
 * Writes check it on the row they have just locked (SELECT … FOR UPDATE), so no other write can come between
 * the check and the write: of two writers expecting one version, exactly one gets it.
 */
export type ExpectedVersions = readonly number[] | undefined;

/** Throws PreconditionFailedError when the locked row's version is not one of `expected`. */
export function checkVersion<T extends { readonly id: string; readonly version: number }>(
  kind: string,
  row: T,
  expected: ExpectedVersions,
): T {
  if (expected !== undefined && !expected.includes(row.version))
    throw new PreconditionFailedError(kind, row.id, row.version);
  return row;
}

import { Cursor, type EntityManager, type FilterQuery, type QueryOrderMap } from '@mikro-orm/core';

import { InvalidInputError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  readonly first?: number | null | undefined;
  readonly after?: string | null | undefined;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly totalCount: number;
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  cursorOf(item: T): string;
}

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new InvalidInputError(`first must be an integer between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return first;
}

/** The id a cursor points after. */
export function checkCursor(after: string): string {
  try {
    // Pages are ordered by id alone, so a cursor is exactly one uuid.
    const decoded: unknown = Cursor.decode(after);
    if (Array.isArray(decoded) && decoded.length === 1 && typeof decoded[0] === 'string' && isUuid(decoded[0])) {
      return decoded[0];
    }
  } catch {
    // fall through: any undecodable cursor is the caller's mistake
  }
  throw new InvalidInputError('after is not a cursor returned by this API', 'after');
}

/** Relay-style keyset pagination in the database (MikroORM `findByCursor`), ordered by the time-sortable id. */
export async function paginate<T extends { id: string }>(
  em: EntityManager,
  entity: new (...args: never[]) => T,
  where: FilterQuery<T>,
  args: PageArgs,
): Promise<Page<T>> {
  const first = pageSize(args.first);
  const orderBy = { id: 'asc' } as QueryOrderMap<T>;
  const cursor = await em.findByCursor(entity, where, {
    first,
    ...(args.after ? { after: { id: checkCursor(args.after) } } : {}),
    orderBy,
    includeCount: true,
  });
  return {
    items: cursor.items,
    totalCount: cursor.totalCount ?? cursor.items.length,
    hasNextPage: cursor.hasNextPage ?? false,
    hasPreviousPage: cursor.hasPrevPage ?? false,
    cursorOf: (item) => cursor.from(item),
  };
}

/**
 * A page from rows read in id order after the cursor with `limit first + 1` (the extra row tells whether
 * there is a next page): the contract of {@link paginate}, for pages read with plain SQL.
 */
export function keysetPage<T extends { id: string }>(
  rows: readonly T[],
  first: number,
  after: string | null,
  totalCount: number,
): Page<T> {
  return {
    items: rows.slice(0, first),
    totalCount,
    hasNextPage: rows.length > first,
    hasPreviousPage: after !== null,
    cursorOf: (item) => Cursor.encode([item.id]),
  };
}

/** The same contract over a small list already in memory (e.g. the directories of one organization). */
export function paginateArray<T extends { id: string }>(all: readonly T[], args: PageArgs): Page<T> {
  const first = pageSize(args.first);
  const sorted = [...all].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let start = 0;
  if (args.after) {
    const afterId = checkCursor(args.after);
    start = sorted.findIndex((item) => item.id > afterId);
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + first);
  return {
    items,
    totalCount: sorted.length,
    hasNextPage: start + first < sorted.length,
    hasPreviousPage: start > 0,
    cursorOf: (item) => Cursor.encode([item.id]),
  };
}

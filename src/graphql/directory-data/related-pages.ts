import { Cursor } from '@mikro-orm/core';

import { checkCursor, pageSize, type Page, type PageArgs } from '../../db/pagination.js';
import type { Sql } from '../../db/sql.js';
import { isUuid } from '../../lib/ids.js';
import type { GroupRow } from '../../provisioning/group.sql.js';
import { relatedCounts, relatedRows } from '../../provisioning/membership.sql.js';
import type { UserRow } from '../../provisioning/user.sql.js';

/**
 * One page of related rows for each of many parents, in ONE query (window functions): what GraphQL needs
 * for `directoryUsers { … groups(first:) }` without a query per user. Same cursors as `paginate`.
 */
async function relatedPages<T extends { id: string }>(
  sql: Sql,
  kind: 'groups' | 'members',
  parentIds: readonly string[],
  args: PageArgs,
): Promise<Map<string, Page<T>>> {
  const first = pageSize(args.first);
  const after = args.after ? checkCursor(args.after) : null;
  const parents = [...new Set(parentIds)].filter(isUuid);
  const pages = new Map<string, Page<T>>();
  const cursorOf = (item: T) => Cursor.encode([item.id]);
  for (const id of parentIds)
    pages.set(id, { items: [], totalCount: 0, hasNextPage: false, hasPreviousPage: false, cursorOf });
  if (parents.length === 0) return pages;
  const rows = await relatedRows<T>(sql, kind, parents, after, first);
  const grouped = new Map<string, typeof rows>();
  for (const row of rows) grouped.set(row.parentId, [...(grouped.get(row.parentId) ?? []), row]);
  for (const [parentId, list] of grouped) {
    const head = list[0];
    if (!head) continue;
    const total = Number(head.total);
    const remaining = Number(head.remaining);
    pages.set(parentId, {
      items: list.map(({ parentId: _p, total: _t, remaining: _r, ...columns }) => columns as unknown as T),
      totalCount: total,
      hasNextPage: remaining > first,
      hasPreviousPage: total > remaining,
      cursorOf,
    });
  }
  const missing = parents.filter((id) => !grouped.has(id));
  if (after && missing.length > 0) {
    // Past the last item: the page is empty but totalCount still counts everything.
    for (const [parentId, total] of await relatedCounts(sql, kind, missing)) {
      pages.set(parentId, { items: [], totalCount: total, hasNextPage: false, hasPreviousPage: true, cursorOf });
    }
  }
  return pages;
}

/** The groups of each user (one page each), in one query. */
export function groupPagesOfUsers(
  sql: Sql,
  userIds: readonly string[],
  args: PageArgs,
): Promise<Map<string, Page<GroupRow>>> {
  return relatedPages(sql, 'groups', userIds, args);
}

/** The members of each group (one page each), in one query. */
export function memberPagesOfGroups(
  sql: Sql,
  groupIds: readonly string[],
  args: PageArgs,
): Promise<Map<string, Page<UserRow>>> {
  return relatedPages(sql, 'members', groupIds, args);
}

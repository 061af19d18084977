import { Cursor, type EntityClass, type EntityDictionary } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

import { checkCursor, pageSize, type Page, type PageArgs } from '../../db/pagination.js';
import { isUuid } from '../../lib/ids.js';
import { DirectoryGroup } from '../../provisioning/group.entity.js';
import { DirectoryUser } from '../../provisioning/user.entity.js';

interface Relation<T> {
  readonly entity: new (...args: never[]) => T;
  readonly table: string;
  /** group_members column holding the parent id, and the one holding the child id. */
  readonly parentColumn: 'user_id' | 'group_id';
  readonly childColumn: 'user_id' | 'group_id';
}

const GROUPS_OF_USER: Relation<DirectoryGroup> = {
  entity: DirectoryGroup,
  table: 'directory_groups',
  parentColumn: 'user_id',
  childColumn: 'group_id',
};
const MEMBERS_OF_GROUP: Relation<DirectoryUser> = {
  entity: DirectoryUser,
  table: 'directory_users',
  parentColumn: 'group_id',
  childColumn: 'user_id',
};

type Row = Record<string, unknown> & {
  parent_id: string;
  total: string | number;
  remaining: string | number;
  rn: string | number;
};

/**
 * One page of related rows for each of many parents, in ONE query (window functions): what GraphQL needs
 * for `directoryUsers { … groups(first:) }` without a query per user. Same cursors as `paginate`.
 */
async function relatedPages<T extends { id: string }>(
  em: EntityManager,
  relation: Relation<T>,
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
  const rows = await em.execute<Row[]>(
    `with related as (
       select gm.${relation.parentColumn} as parent_id, gm.${relation.childColumn} as child_id,
              count(*) over (partition by gm.${relation.parentColumn}) as total
         from group_members gm where gm.${relation.parentColumn} in (${parents.map(() => '?').join(',')})
     ), ranked as (
       select r.*, row_number() over (partition by r.parent_id order by r.child_id) as rn,
              count(*) over (partition by r.parent_id) as remaining
         from related r where ?::uuid is null or r.child_id > ?::uuid
     )
     select t.*, ranked.parent_id, ranked.total, ranked.remaining, ranked.rn
       from ranked join ${relation.table} t on t.id = ranked.child_id
      where ranked.rn <= ? order by ranked.parent_id, ranked.child_id`,
    [...parents, after, after, first],
  );
  const grouped = new Map<string, Row[]>();
  for (const row of rows) grouped.set(row.parent_id, [...(grouped.get(row.parent_id) ?? []), row]);
  for (const [parentId, list] of grouped) {
    const head = list[0];
    if (!head) continue;
    const total = Number(head.total);
    const remaining = Number(head.remaining);
    pages.set(parentId, {
      items: list.map(({ parent_id: _p, total: _t, remaining: _r, rn: _n, ...columns }) =>
        em.map(relation.entity as EntityClass<T>, columns as EntityDictionary<T>),
      ),
      totalCount: total,
      hasNextPage: remaining > first,
      hasPreviousPage: total > remaining,
      cursorOf,
    });
  }
  const missing = parents.filter((id) => !grouped.has(id));
  if (after && missing.length > 0) {
    // Past the last item: the page is empty but totalCount still counts everything.
    const counts = await em.execute<{ parent_id: string; total: string | number }[]>(
      `select ${relation.parentColumn} as parent_id, count(*) as total from group_members
        where ${relation.parentColumn} in (${missing.map(() => '?').join(',')}) group by 1`,
      missing,
    );
    for (const row of counts) {
      pages.set(row.parent_id, {
        items: [],
        totalCount: Number(row.total),
        hasNextPage: false,
        hasPreviousPage: true,
        cursorOf,
      });
    }
  }
  return pages;
}

/** The groups of each user (one page each), in one query. */
export function groupPagesOfUsers(
  em: EntityManager,
  userIds: readonly string[],
  args: PageArgs,
): Promise<Map<string, Page<DirectoryGroup>>> {
  return relatedPages(em, GROUPS_OF_USER, userIds, args);
}

/** The members of each group (one page each), in one query. */
export function memberPagesOfGroups(
  em: EntityManager,
  groupIds: readonly string[],
  args: PageArgs,
): Promise<Map<string, Page<DirectoryUser>>> {
  return relatedPages(em, MEMBERS_OF_GROUP, groupIds, args);
}

import { QueryOrder, raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { filterToSql, sortExpression, type FilterSchema } from './filter-sql.js';
import type { ListQuery } from './filter.js';

export interface ListResult<T> {
  readonly items: T[];
  /** Counted by the database (or known from a short page), never by loading rows. */
  readonly total: number;
}

/** One page of a directory's users or groups: filter, sort and count all run in SQL. */
export async function listInDirectory<T extends { id: string }>(
  em: EntityManager,
  entity: new (...args: never[]) => T,
  schema: FilterSchema,
  directoryId: string,
  query: ListQuery,
): Promise<ListResult<T>> {
  const alias = 'r';
  const qb = em.createQueryBuilder(entity, alias).where({ directory: directoryId } as never);
  if (query.filter) {
    const condition = filterToSql(query.filter, alias, schema);
    qb.andWhere(condition.sql, condition.params);
  }
  if (query.limit === 0) return { items: [], total: await qb.getCount() };
  const order = [];
  if (query.sort) {
    const direction = query.sort.descending ? QueryOrder.DESC_NULLS_LAST : QueryOrder.ASC_NULLS_LAST;
    order.push({ [raw(sortExpression(query.sort, alias, schema))]: direction });
  }
  qb.orderBy([...order, { id: QueryOrder.ASC }] as never);
  const items = await qb.clone().limit(query.limit).offset(query.offset).getResult();
  // A short page tells the total by itself (the usual IdP lookup: a filter that matches 0 or 1 resources).
  if (items.length > 0 && items.length < query.limit) return { items, total: query.offset + items.length };
  if (items.length === 0 && query.offset === 0) return { items, total: 0 };
  return { items, total: await qb.getCount() };
}

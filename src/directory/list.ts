import { QueryOrder, raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { filterToSql, sortExpression, type FilterSchema } from './filter-sql.js';
import type { ListQuery } from './filter.js';

export interface ListResult<T> {
  readonly items: T[];
  /** Counted by the database, never by loading rows. */
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
  const [items, total] = await qb.limit(query.limit).offset(query.offset).getResultAndCount();
  return { items, total };
}

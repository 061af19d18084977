import type { EntityClass, EntityDictionary } from '@mikro-orm/core';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';

import { filterToSql, sortExpression, type FilterSchema } from './filter-sql.js';
import type { ListQuery } from './filter.js';

export interface ListResult<T> {
  readonly items: T[];
  /** Counted by the database (or known from a short page), never by loading rows. */
  readonly total: number;
}

/**
 * Runs SQL with `?` placeholders as a parameterised statement. MikroORM's own `execute` and query builder
 * inline parameters into the SQL text; filter values come from IdPs and must stay bound. (knex reads every
 * `?` as a placeholder, so filter-sql.ts never emits jsonb's `?` operators.)
 */
async function query<R>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<R[]> {
  const statement = em.getKnex().raw(sql, params as never[]);
  const transaction = em.getTransactionContext<Knex.Transaction>();
  const result = (await (transaction ? statement.transacting(transaction) : statement)) as { rows: R[] };
  em.config.getLogger().logQuery({ query: sql, level: 'info' }); // the statement, never its values
  return result.rows;
}

/** One page of a directory's users or groups: filter, sort and count all run in SQL. */
export async function listInDirectory<T extends { id: string }>(
  em: EntityManager,
  entity: new (...args: never[]) => T,
  schema: FilterSchema,
  directoryId: string,
  listQuery: ListQuery,
): Promise<ListResult<T>> {
  const alias = 'r';
  const table = em.getMetadata().get(entity.name).tableName;
  const condition = listQuery.filter ? filterToSql(listQuery.filter, alias, schema) : undefined;
  const where = `${alias}.directory_id = ?${condition ? ` and (${condition.sql})` : ''}`;
  const params = [directoryId, ...(condition?.params ?? [])];
  const count = async () => {
    const [row] = await query<{ n: string }>(
      em,
      `select count(*) as n from ${table} as ${alias} where ${where}`,
      params,
    );
    return Number(row?.n ?? 0);
  };
  if (listQuery.limit === 0) return { items: [], total: await count() };

  const order = [`${alias}.id asc`];
  if (listQuery.sort) {
    const expression = sortExpression(listQuery.sort, alias, schema);
    order.unshift(`${expression} ${listQuery.sort.descending ? 'desc' : 'asc'} nulls last`);
  }
  const rows = await query<Record<string, unknown>>(
    em,
    `select ${alias}.* from ${table} as ${alias} where ${where} order by ${order.join(', ')} limit ? offset ?`,
    [...params, listQuery.limit, listQuery.offset],
  );
  const items = rows.map((row) => em.map(entity as EntityClass<T>, row as EntityDictionary<T>));
  // A short page tells the total by itself (the usual IdP lookup: a filter that matches 0 or 1 resources).
  if (items.length > 0 && items.length < listQuery.limit) return { items, total: listQuery.offset + items.length };
  if (items.length === 0 && listQuery.offset === 0) return { items, total: 0 };
  return { items, total: await count() };
}

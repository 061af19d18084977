import type { Sql } from '../db/sql.js';
import { filterToSql, sortExpression, type FilterSchema } from './filter-sql.js';
import type { ListQuery } from './filter.js';

export interface ListResult<T> {
  readonly items: T[];
  /** Counted by the database (or known from a short page), never by loading rows. */
  readonly total: number;
}

/** What to list: a table, the select list of its rows (aliased `r`), and how filters map onto it. */
export interface ListSource {
  readonly table: string;
  readonly columns: string;
  readonly schema: FilterSchema;
}

/** The alias list statements give the table. */
export const LIST_ALIAS = 'r';

/**
 * filter-sql.ts writes `?` placeholders (and never jsonb's `?` operators); `pg` wants them numbered. Every
 * value stays bound.
 */
function numbered(text: string, offset: number): string {
  let n = offset;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** One page of a directory's users or groups: filter, sort and count all run in SQL. */
export async function listInDirectory<T>(
  sql: Sql,
  source: ListSource,
  directoryId: string,
  listQuery: ListQuery,
): Promise<ListResult<T>> {
  const alias = LIST_ALIAS;
  const condition = listQuery.filter ? filterToSql(listQuery.filter, alias, source.schema) : undefined;
  const where = `${alias}.directory_id = $1${condition ? ` and (${numbered(condition.sql, 1)})` : ''}`;
  const params = [directoryId, ...(condition?.params ?? [])];
  const count = async () => {
    const [row] = await sql.query<{ n: string }>(
      `select count(*) as n from ${source.table} as ${alias} where ${where}`,
      params,
    );
    return Number(row?.n ?? 0);
  };
  if (listQuery.limit === 0) return { items: [], total: await count() };

  const order = [`${alias}.id asc`];
  if (listQuery.sort) {
    const expression = sortExpression(listQuery.sort, alias, source.schema);
    order.unshift(`${expression} ${listQuery.sort.descending ? 'desc' : 'asc'} nulls last`);
  }
  // The page's ids first, then its rows: a deep offset sorts and skips ids, not whole rows (raw JSON included).
  const items = await sql.query<T>(
    `select ${source.columns} from (select ${alias}.id from ${source.table} as ${alias} where ${where}
        order by ${order.join(', ')} limit $${params.length + 1} offset $${params.length + 2}) as page
      join ${source.table} as ${alias} on ${alias}.id = page.id order by ${order.join(', ')}`,
    [...params, listQuery.limit, listQuery.offset],
  );
  // A short page tells the total by itself (the usual IdP lookup: a filter that matches 0 or 1 resources).
  if (items.length > 0 && items.length < listQuery.limit) return { items, total: listQuery.offset + items.length };
  if (items.length === 0 && listQuery.offset === 0) return { items, total: 0 };
  return { items, total: await count() };
}

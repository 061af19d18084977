import { escapeLike } from '../db/sql.js';
import { InvalidInputError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';
import type { CompareOp, FilterValue, ResourceFilter, SortSpec } from './filter.js';

/** A parameterised SQL condition (`?` placeholders; list.ts numbers them `$n`). */
export interface SqlCondition {
  readonly sql: string;
  readonly params: unknown[];
}

type ColumnKind = 'text' | 'lowerText' | 'timestamp' | 'uuid';

/** A filterable attribute backed by a real (indexed) column. */
interface Column {
  readonly kind: ColumnKind;
  readonly sql: (alias: string) => string;
}

/** A multi-valued attribute stored in a table of its own (group members, a user's groups). */
interface Relation {
  /** `exists (…)` around the element condition; `element` is the alias to use for the related row. */
  readonly exists: (alias: string, element: string, condition: string) => string;
  readonly columns: Readonly<Record<string, Column>>;
}

export interface FilterSchema {
  /** Keyed by lower-case dotted path. */
  readonly columns: Readonly<Record<string, Column>>;
  readonly relations: Readonly<Record<string, Relation>>;
  /** Column holding the raw SCIM JSON. */
  readonly rawColumn: string;
  /** Lower-cased text[] copies of a multi-valued attribute's values, for indexed `attr eq "…"`. */
  readonly arrayColumns?: Readonly<Record<string, Column>>;
  /** Special comparisons (e.g. `active` → `state`); return undefined to fall back. */
  readonly special?: (alias: string, path: string, op: CompareOp, value: FilterValue) => SqlCondition | undefined;
}

/** `table[key]` only for the table's own entries: request text never reaches inherited members. */
function own<T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

const SEGMENT = /^[A-Za-z0-9_$:.-]+$/;

function jsonPathLiteral(path: readonly string[]): string {
  for (const segment of path) {
    if (!SEGMENT.test(segment))
      throw new InvalidInputError(`unsupported attribute name ${JSON.stringify(segment)}`, 'filter');
  }
  return `'{${path.map((segment) => `"${segment}"`).join(',')}}'`;
}

function likePattern(op: 'co' | 'sw' | 'ew', value: string): string {
  const escaped = escapeLike(value);
  return op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
}

const ORDER: Record<'gt' | 'ge' | 'lt' | 'le', string> = { gt: '>', ge: '>=', lt: '<', le: '<=' };

/** Compares a text expression. `lowered` means the expression is already stored lower-case. */
function compareText(
  expr: string,
  op: CompareOp,
  value: FilterValue,
  caseInsensitive: boolean,
  lowered = false,
): SqlCondition {
  if (value === null) {
    if (op === 'eq') return { sql: `(${expr}) is null`, params: [] };
    if (op === 'ne') return { sql: `(${expr}) is not null`, params: [] };
    throw new InvalidInputError(`"${op}" cannot compare with null`, 'filter');
  }
  const text = String(value);
  const left = caseInsensitive && !lowered ? `lower(${expr})` : expr;
  const right = caseInsensitive ? text.toLowerCase() : text;
  switch (op) {
    case 'eq':
      return { sql: `${left} = ?`, params: [right] };
    case 'ne':
      return { sql: `(${left} is null or ${left} <> ?)`, params: [right] };
    case 'co':
    case 'sw':
    case 'ew':
      return { sql: `${left} like ? escape '\\'`, params: [likePattern(op, right)] };
    default:
      return { sql: `${left} ${ORDER[op]} ?`, params: [right] };
  }
}

function compareColumn(
  column: Column,
  alias: string,
  op: CompareOp,
  value: FilterValue,
  caseExact: boolean,
): SqlCondition {
  const expr = column.sql(alias);
  if (column.kind === 'timestamp') {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
      throw new InvalidInputError('a dateTime attribute needs an ISO 8601 date-time value', 'filter');
    }
    if (op === 'co' || op === 'sw' || op === 'ew')
      throw new InvalidInputError(`"${op}" does not apply to dateTime attributes`, 'filter');
    const sqlOp = op === 'eq' ? '=' : op === 'ne' ? '<>' : own(ORDER, op);
    if (!sqlOp) throw new InvalidInputError(`"${op}" does not apply to dateTime attributes`, 'filter');
    return { sql: `${expr} ${sqlOp} ?::timestamptz`, params: [new Date(value).toISOString()] };
  }
  if (column.kind === 'uuid') {
    // Equality on a well-formed id uses the primary-key index; anything else compares the text form.
    if (op === 'eq' && typeof value === 'string' && isUuid(value)) return { sql: `${expr} = ?::uuid`, params: [value] };
    return compareText(`${expr}::text`, op, value, true);
  }
  return compareText(expr, op, value, !caseExact || column.kind === 'lowerText', column.kind === 'lowerText');
}

function compareJson(json: string, op: CompareOp, value: FilterValue, caseExact: boolean): SqlCondition {
  const text = `(${json} #>> '{}')`;
  if (typeof value === 'boolean') {
    if (op !== 'eq' && op !== 'ne') throw new InvalidInputError(`"${op}" does not apply to booleans`, 'filter');
    // IdPs store booleans as JSON booleans or as "True"/"False" strings: compare the text, case-insensitively.
    return compareText(text, op, String(value), true);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidInputError('a number in a filter must be finite', 'filter');
    const numeric = `(case when jsonb_typeof(${json}) = 'number' then (${json} #>> '{}')::numeric end)`;
    const sqlOp = op === 'eq' ? '=' : op === 'ne' ? '<>' : own(ORDER, op);
    if (!sqlOp) throw new InvalidInputError(`"${op}" does not apply to numbers`, 'filter');
    return { sql: `${numeric} ${sqlOp} ?`, params: [value] };
  }
  return compareText(text, op, value, !caseExact);
}

function present(json: string): string {
  return `coalesce(jsonb_typeof(${json}) not in ('null') and ${json} not in ('""'::jsonb, '[]'::jsonb, '{}'::jsonb), false)`;
}

interface Scope {
  readonly alias: string;
  readonly schema: FilterSchema;
  /** Inside `has`: the JSON element (`e1`) or the related row, with its own columns. */
  readonly element?: { readonly json?: string; readonly columns: Readonly<Record<string, Column>> };
}

function compile(filter: ResourceFilter, scope: Scope): SqlCondition {
  switch (filter.kind) {
    case 'and':
    case 'or': {
      const parts = filter.filters.map((f) => compile(f, scope));
      return { sql: `(${parts.map((p) => p.sql).join(` ${filter.kind} `)})`, params: parts.flatMap((p) => p.params) };
    }
    case 'not': {
      const inner = compile(filter.filter, scope);
      return { sql: `not coalesce(${inner.sql}, false)`, params: inner.params };
    }
    case 'has':
      return compileHas(filter.attribute, filter.filter, scope);
    case 'present':
    case 'compare':
      return compileLeaf(filter, scope);
  }
}

/** The JSON at `path` of the row's raw resource, or of the current element inside a value filter. */
function jsonAt(scope: Scope, path: readonly string[]): string {
  const element = scope.element?.json;
  if (!element) return `(${scope.alias}.${scope.schema.rawColumn} #> ${jsonPathLiteral(path)})`;
  // Elements of simple multi-valued attributes (e.g. `schemas`) are their own `value`.
  if (path.length === 1 && path[0]?.toLowerCase() === 'value') {
    return `(case when jsonb_typeof(${element}) = 'object' then ${element} -> 'value' else ${element} end)`;
  }
  return `(${element} #> ${jsonPathLiteral(path)})`;
}

function compileLeaf(filter: Extract<ResourceFilter, { kind: 'present' | 'compare' }>, scope: Scope): SqlCondition {
  const key = filter.path.join('.').toLowerCase();
  const columns = scope.element ? scope.element.columns : scope.schema.columns;
  const column = own(columns, key);
  if (filter.kind === 'present') {
    if (column) return { sql: `${column.sql(scope.alias)} is not null`, params: [] };
    if (scope.element && !scope.element.json) return { sql: 'false', params: [] };
    return { sql: present(jsonAt(scope, filter.path)), params: [] };
  }
  if (!scope.element) {
    const special = scope.schema.special?.(scope.alias, key, filter.op, filter.value);
    if (special) return special;
  }
  if (column) return compareColumn(column, scope.alias, filter.op, filter.value, filter.caseExact);
  if (scope.element && !scope.element.json) return { sql: 'false', params: [] };
  return compareJson(jsonAt(scope, filter.path), filter.op, filter.value, filter.caseExact);
}

function compileHas(attribute: string, inner: ResourceFilter, scope: Scope): SqlCondition {
  if (scope.element) throw new InvalidInputError('value filters cannot be nested', 'filter');
  const relation = own(scope.schema.relations, attribute.toLowerCase());
  // Each `exists` is its own SQL scope, so one alias serves every value filter.
  const element = 'el';
  const fast = own(scope.schema.arrayColumns, attribute.toLowerCase());
  if (
    fast &&
    inner.kind === 'compare' &&
    inner.op === 'eq' &&
    typeof inner.value === 'string' &&
    inner.path.join('.').toLowerCase() === 'value'
  ) {
    return { sql: `${fast.sql(scope.alias)} @> array[?]::text[]`, params: [inner.value.toLowerCase()] };
  }
  if (relation) {
    const condition = compile(inner, { alias: element, schema: scope.schema, element: { columns: relation.columns } });
    return { sql: relation.exists(scope.alias, element, condition.sql), params: condition.params };
  }
  const array = `(${scope.alias}.${scope.schema.rawColumn} #> ${jsonPathLiteral([attribute])})`;
  const json = element;
  const condition = compile(inner, { alias: element, schema: scope.schema, element: { json, columns: {} } });
  return {
    sql: `exists (select 1 from jsonb_array_elements(case when jsonb_typeof(${array}) = 'array' then ${array} else '[]'::jsonb end) as ${element} where ${condition.sql})`,
    params: condition.params,
  };
}

/** Translates a resolved filter into one SQL condition over `alias` (never loads rows to filter them). */
export function filterToSql(filter: ResourceFilter, alias: string, schema: FilterSchema): SqlCondition {
  return compile(filter, { alias, schema });
}

/** The ORDER BY expression for `sort`: a column when the attribute has one, else the raw JSON text. */
export function sortExpression(sort: SortSpec, alias: string, schema: FilterSchema): string {
  const column = own(schema.columns, sort.path.join('.').toLowerCase());
  if (column) return column.kind === 'uuid' ? `${column.sql(alias)}::text` : column.sql(alias);
  const text = `(${alias}.${schema.rawColumn} #>> ${jsonPathLiteral(sort.path)})`;
  return sort.caseExact ? text : `lower(${text})`;
}

export function column(kind: ColumnKind, name: string): Column {
  return { kind, sql: (alias) => `${alias}.${name}` };
}

/** What every row of a table is (`meta.resourceType`): a fixed SQL literal, never request text. */
export function resourceTypeColumn(resourceType: 'User' | 'Group'): Column {
  return { kind: 'text', sql: () => `'${resourceType}'::text` };
}

export type { Column, Relation };

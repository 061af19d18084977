import { parse, type Filter } from 'scim2-parse-filter';

import type { ResourceFilter, ValueKind } from '../provisioning/filter.js';
import { ScimError } from './errors.js';
import { resolvePath, subAttribute, type ResourceKind } from './paths.js';
import type { AttributeDefinition } from './schema-definitions.js';

const MAX_FILTER_LENGTH = 4_096;

function invalid(detail: string): ScimError {
  return new ScimError(400, detail, 'invalidFilter');
}

/** RFC 7644's ABNF literals are case-insensitive; the parser only knows `true`/`false`/`null`. */
function lowerLiterals(filter: string): string {
  return filter
    .split(/("(?:[^"\\]|\\.)*")/)
    .map((part, index) =>
      index % 2 === 1 ? part : part.replace(/\b(true|false|null)\b/gi, (word) => word.toLowerCase()),
    )
    .join('');
}

function valueKind(attribute: AttributeDefinition | undefined, value: unknown): ValueKind {
  if (attribute?.type === 'dateTime') return 'dateTime';
  if (attribute?.type === 'boolean' || typeof value === 'boolean') return 'boolean';
  if (attribute?.type === 'integer' || attribute?.type === 'decimal' || typeof value === 'number') return 'number';
  return 'string';
}

function checkValue(attribute: AttributeDefinition | undefined, op: string, value: unknown, path: string): void {
  if (typeof value === 'number' && !Number.isFinite(value))
    throw invalid(`the number compared with ${path} is out of range`);
  if (attribute?.type === 'dateTime' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) {
    throw invalid(`${path} is a dateTime: compare it with a quoted ISO 8601 date-time`);
  }
  if ((attribute?.type === 'boolean' || typeof value === 'boolean') && !['eq', 'ne'].includes(op)) {
    throw invalid(`"${op}" cannot be used with the boolean ${path}`);
  }
  if (attribute?.type === 'complex') throw invalid(`${path} is complex: filter on one of its sub-attributes`);
}

/** A comparison inside a value filter: paths are relative to one element of `parent`. */
function convertElement(kind: ResourceKind, parent: string, filter: Filter): ResourceFilter {
  switch (filter.op) {
    case 'and':
    case 'or':
      return { kind: filter.op, filters: filter.filters.map((f) => convertElement(kind, parent, f)) };
    case 'not':
      return { kind: 'not', filter: convertElement(kind, parent, filter.filter) };
    case '[]':
      throw invalid('value filters cannot be nested');
    case 'pr':
      return { kind: 'present', path: [subAttribute(kind, parent, filter.attrPath)?.name ?? filter.attrPath] };
    default: {
      const attribute = subAttribute(kind, parent, filter.attrPath);
      checkValue(attribute, filter.op, filter.compValue, `${parent}.${filter.attrPath}`);
      return {
        kind: 'compare',
        op: filter.op,
        path: [attribute?.name ?? filter.attrPath],
        value: filter.compValue,
        caseExact: attribute?.caseExact ?? false,
        valueKind: valueKind(attribute, filter.compValue),
      };
    }
  }
}

function convert(kind: ResourceKind, filter: Filter): ResourceFilter {
  switch (filter.op) {
    case 'and':
    case 'or':
      return { kind: filter.op, filters: filter.filters.map((f) => convert(kind, f)) };
    case 'not':
      return { kind: 'not', filter: convert(kind, filter.filter) };
    case '[]': {
      const resolved = resolvePath(kind, filter.attrPath);
      const attribute = resolved.segments.at(-1) ?? filter.attrPath;
      if (resolved.attribute && !resolved.attribute.multiValued)
        throw invalid(`${filter.attrPath} is not multi-valued`);
      return { kind: 'has', attribute, filter: convertElement(kind, attribute, filter.valFilter) };
    }
    case 'pr': {
      const resolved = resolvePath(kind, filter.attrPath);
      if (resolved.multiValued) {
        const sub = resolved.multiValued.subPath.length > 0 ? resolved.multiValued.subPath : ['value'];
        return { kind: 'has', attribute: resolved.multiValued.attribute, filter: { kind: 'present', path: sub } };
      }
      return { kind: 'present', path: resolved.segments };
    }
    default: {
      const resolved = resolvePath(kind, filter.attrPath);
      if (resolved.multiValued) {
        // `emails co "x"` and `emails.value co "x"` both mean: some element's value matches.
        const sub = resolved.multiValued.subPath.length > 0 ? resolved.multiValued.subPath.join('.') : 'value';
        return {
          kind: 'has',
          attribute: resolved.multiValued.attribute,
          filter: convertElement(kind, resolved.multiValued.attribute, { ...filter, attrPath: sub }),
        };
      }
      checkValue(resolved.attribute, filter.op, filter.compValue, filter.attrPath);
      return {
        kind: 'compare',
        op: filter.op,
        path: resolved.segments,
        value: filter.compValue,
        caseExact: resolved.attribute?.caseExact ?? false,
        valueKind: valueKind(resolved.attribute, filter.compValue),
      };
    }
  }
}

/**
 * Parses a SCIM filter (RFC 7644 §3.4.2.2: eq ne co sw ew gt ge lt le pr, and/or/not, parentheses, value
 * filters) with scim2-parse-filter and resolves its attribute names. Malformed filters are 400 invalidFilter.
 */
export function parseScimFilter(kind: ResourceKind, text: string): ResourceFilter {
  if (text.length > MAX_FILTER_LENGTH) throw invalid(`filter is longer than ${MAX_FILTER_LENGTH} characters`);
  let ast: Filter;
  try {
    ast = parse(lowerLiterals(text));
  } catch (error) {
    throw invalid(
      `filter ${JSON.stringify(text)} is not valid SCIM filter syntax: ${error instanceof Error ? error.message : 'parse error'}`,
    );
  }
  try {
    return convert(kind, ast);
  } catch (error) {
    // A bad attribute name inside a filter is a bad filter (RFC 7644 §3.12).
    if (error instanceof ScimError && error.scimType === 'invalidPath') throw invalid(error.message);
    throw error;
  }
}

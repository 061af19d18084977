import { isDeepStrictEqual } from 'node:util';

import { isObject } from '../lib/is-object.js';

const URN = /^urn:/i;

/** Attributes of an extension schema are addressed `urn:…:User:manager` (RFC 7644 §3.10), others with dots. */
function childPath(parent: string, key: string, parentIsSchema: boolean): string {
  if (parent === '') return key;
  return parentIsSchema ? `${parent}:${key}` : `${parent}.${key}`;
}

/** Multi-valued attributes whose items all carry a distinct `type` are compared per type. */
function keyedByType(items: readonly unknown[]): Map<string, Record<string, unknown>> | null {
  const byType = new Map<string, Record<string, unknown>>();
  for (const item of items) {
    if (!isObject(item) || typeof item['type'] !== 'string') return null;
    const type = item['type'].toLowerCase();
    if (byType.has(type)) return null;
    byType.set(type, item);
  }
  return byType;
}

function diffArrays(path: string, before: readonly unknown[], after: readonly unknown[], out: Set<string>): void {
  const a = keyedByType(before);
  const b = keyedByType(after);
  if (!a || !b) return; // the attribute path itself is already recorded by the caller
  for (const type of new Set([...a.keys(), ...b.keys()])) {
    const itemPath = `${path}[type eq "${type}"]`;
    diffValues(itemPath, a.get(type), b.get(type), out);
  }
}

function diffValues(path: string, before: unknown, after: unknown, out: Set<string>, isSchema = false): void {
  if (isDeepStrictEqual(before, after)) return;
  if (path !== '') out.add(path);
  // An attribute that appears or disappears as a whole still names its sub-attributes.
  if (before === undefined || before === null) before = isObject(after) ? {} : Array.isArray(after) ? [] : before;
  if (after === undefined || after === null) after = isObject(before) ? {} : Array.isArray(before) ? [] : after;
  if (isObject(before) && isObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      diffValues(childPath(path, key, isSchema), before[key], after[key], out, path === '' && URN.test(key));
    }
  } else if (Array.isArray(before) && Array.isArray(after)) {
    diffArrays(path, before, after, out);
  }
}

/**
 * Every attribute path that differs between two JSON documents, parents included, in SCIM path syntax:
 * `name`, `name.givenName`, `emails`, `emails[type eq "work"].value`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`. Multi-valued attributes without a
 * distinct `type` per item are reported as a whole.
 */
export function changedPaths(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): string[] {
  const out = new Set<string>();
  diffValues('', before, after, out);
  return [...out].sort();
}

/** The changed top-level fields of two flat records (normalized columns such as `state` or `email`). */
export function changedFields<T extends object>(before: T, after: T, fields: readonly (keyof T & string)[]): string[] {
  return fields.filter((field) => !isDeepStrictEqual(before[field], after[field]));
}

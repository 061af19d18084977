import { isObject } from '../lib/is-object.js';
import { resolvePath, type ResourceKind } from './paths.js';
import type { ScimResource } from './resources.js';

/** Returned whatever `attributes` says (RFC 7643 §7 `returned: always`). */
const ALWAYS = ['schemas', 'id'];

export interface Projection {
  /** Canonical paths to keep (empty: everything). */
  readonly include: readonly (readonly string[])[];
  readonly exclude: readonly (readonly string[])[];
}

function parseList(kind: ResourceKind, value: string | undefined): (readonly string[])[] {
  if (!value) return [];
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => resolvePath(kind, part).segments);
}

/** `attributes` / `excludedAttributes` query parameters (RFC 7644 §3.4.2.5). */
export function parseProjection(
  kind: ResourceKind,
  attributes: string | undefined,
  excluded: string | undefined,
): Projection {
  return { include: parseList(kind, attributes), exclude: parseList(kind, excluded) };
}

/** Whether the top-level attribute `name` will be in the output (lets handlers skip loading members/groups). */
export function includesAttribute(projection: Projection, name: string): boolean {
  if (projection.exclude.some((path) => path.length === 1 && path[0] === name)) return false;
  return projection.include.length === 0 || projection.include.some((path) => path[0] === name);
}

function pick(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return value;
  if (Array.isArray(value)) {
    const picked = value.map((item) => pick(item, path)).filter((item) => item !== undefined);
    return picked.length ? picked : undefined;
  }
  if (!isObject(value)) return undefined;
  const [head, ...rest] = path;
  const found = head === undefined || !Object.hasOwn(value, head) ? undefined : pick(value[head], rest);
  return found === undefined ? undefined : { [head as string]: found };
}

/** Deep-merges `addition` into `target`, defining own properties only (no key reaches a prototype). */
function merge(target: ScimResource, addition: unknown): void {
  if (!isObject(addition)) return;
  for (const [key, value] of Object.entries(addition)) {
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isObject(existing) && isObject(value)) merge(existing, value);
    else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  }
}

function remove(value: unknown, path: readonly string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) remove(item, path);
    return;
  }
  if (!isObject(value)) return;
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (!Object.hasOwn(value, head)) return;
  if (rest.length === 0) delete value[head];
  else remove(value[head], rest);
}

/** Applies a projection to one resource. `id` and `schemas` always stay. */
export function project(resource: ScimResource, projection: Projection): ScimResource {
  let result: ScimResource = resource;
  if (projection.include.length > 0) {
    result = Object.fromEntries(ALWAYS.filter((key) => key in resource).map((key) => [key, resource[key]]));
    for (const path of projection.include) merge(result, structuredClone(pick(resource, path)));
  }
  if (projection.exclude.length > 0) {
    result = projection.include.length > 0 ? result : structuredClone(resource);
    for (const path of projection.exclude)
      if (!(path.length === 1 && ALWAYS.includes(path[0] ?? ''))) remove(result, path);
  }
  return result;
}

import { ScimError as PatchLibraryError, scimPatch, type ScimPatchOperation } from 'scim-patch';

import { isObject } from '../lib/is-object.js';
import type { MemberChange } from '../provisioning/group.service.js';
import { ScimError, type ScimType } from './errors.js';
import { parseScimFilter } from './filter.js';
import { checkValueKey, resolvePath, subAttribute, type ResourceKind } from './paths.js';
import { memberIds, unqualifyCore, type ScimResource } from './resources.js';
import { ENTERPRISE_USER_SCHEMA } from './schema-definitions.js';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * Operations per PatchOp, and values per attribute operation: each operation filters the resource's
 * multi-valued attributes, so the work grows with their product (members are set operations in SQL and may
 * be many). IdPs send a handful of operations, one of them carrying the member list.
 */
const MAX_OPERATIONS = 100;
const MAX_OPERATION_VALUES = 1_000;

export interface PatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string | undefined;
  readonly value: unknown;
}

const READ_ONLY: Record<ResourceKind, readonly string[]> = { User: ['id', 'meta', 'groups'], Group: ['id', 'meta'] };

/** Parses a PatchOp body (RFC 7644 §3.5.2); op names are accepted in any case (Entra sends "Replace"). */
export function parsePatchBody(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw new ScimError(400, 'the request body must be a JSON object', 'invalidSyntax');
  const operations = body['Operations'] ?? body['operations'];
  if (!Array.isArray(operations) || operations.length === 0) {
    throw new ScimError(400, 'a PatchOp needs a non-empty "Operations" array', 'invalidSyntax');
  }
  if (operations.length > MAX_OPERATIONS) {
    throw new ScimError(400, `a PatchOp may have at most ${MAX_OPERATIONS} operations`, 'invalidValue');
  }
  return operations.map((operation, index) => {
    if (!isObject(operation)) throw new ScimError(400, `Operations[${index}] must be an object`, 'invalidSyntax');
    const op = typeof operation['op'] === 'string' ? operation['op'].trim().toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw new ScimError(400, `Operations[${index}].op must be add, replace or remove`, 'invalidSyntax');
    }
    const path = operation['path'];
    if (path !== undefined && path !== null && (typeof path !== 'string' || path.trim() === '')) {
      throw new ScimError(400, `Operations[${index}].path must be a non-empty string`, 'invalidPath');
    }
    if (op !== 'remove' && operation['value'] === undefined) {
      throw new ScimError(400, `Operations[${index}] (${op}) needs a value`, 'invalidValue');
    }
    return { op, path: typeof path === 'string' ? path.trim() : undefined, value: operation['value'] };
  });
}

/** Path text for canonical segments: `name.givenName`, `urn:…:User:manager.value`. */
function joinSegments(segments: readonly string[]): string {
  const [first, ...rest] = segments;
  if (first === undefined) return '';
  if (/^urn:/i.test(first)) return rest.length ? `${first}:${rest.join('.')}` : first;
  return segments.join('.');
}

/** `attribute[filter]` or `attribute[filter].sub` (RFC 7644 §3.5.2 valuePath). */
const VALUE_PATH = /^([^[\]]+)\[([^[\]]+)\](?:\.([^[\].]+))?$/;

/**
 * `name.givenName`, `urn:…:User:manager`, `emails[type eq "work"].value`: canonical names of known
 * attributes. Every name, the value filter included, is checked against the schemas and the attribute-name
 * grammar before scim-patch walks the path.
 */
function canonicalPath(kind: ResourceKind, path: string): string {
  if (!path.includes('[')) return joinSegments(resolvePath(kind, path).segments);
  const match = VALUE_PATH.exec(path);
  if (!match) throw new ScimError(400, `${JSON.stringify(path)} is not a valid attribute path`, 'invalidPath');
  const [, attribute = '', filter = '', sub] = match;
  const resolved = resolvePath(kind, attribute);
  try {
    parseScimFilter(kind, `${attribute}[${filter}]`);
  } catch (error) {
    throw new ScimError(
      400,
      `the value filter of ${JSON.stringify(path)} is invalid: ${(error as Error).message}`,
      'invalidPath',
    );
  }
  const subName = sub === undefined ? '' : `.${subAttribute(kind, attribute, sub)?.name ?? sub}`;
  return `${joinSegments(resolved.segments)}[${filter}]${subName}`;
}

function checkWritable(kind: ResourceKind, path: string): void {
  const top = resolvePath(kind, path.split('[')[0] ?? path).segments[0];
  if (top && READ_ONLY[kind].includes(top)) throw new ScimError(400, `${top} is read-only`, 'mutability');
}

/**
 * Expands a no-path add/replace into one operation per attribute, so dotted keys (`name.givenName`),
 * URN-prefixed keys (`urn:…:enterprise:2.0:User:department`) and partial complex values (`name: {givenName}`)
 * change only what they name (RFC 7644 §3.5.2.3: unspecified sub-attributes stay).
 */
function expandNoPath(kind: ResourceKind, operation: PatchOperation, id: string): PatchOperation[] {
  if (!isObject(operation.value))
    throw new ScimError(400, `a ${operation.op} without path needs an object value`, 'invalidValue');
  const expanded: PatchOperation[] = [];
  for (const [key, value] of Object.entries(unqualifyCore(kind, operation.value))) {
    if (key === 'id' && value === id) continue; // Okta repeats the id in group renames
    if (key === 'schemas') continue;
    const resolved = resolvePath(kind, key);
    const extensionObject = resolved.wholeSchema === true && isObject(value);
    const complex = resolved.attribute?.type === 'complex' && !resolved.attribute.multiValued && isObject(value);
    if (extensionObject || complex) {
      const separator = extensionObject ? ':' : '.';
      for (const [sub, subValue] of Object.entries(value)) {
        expanded.push({ op: operation.op, path: `${key}${separator}${sub}`, value: subValue });
      }
    } else {
      expanded.push({ op: operation.op, path: key, value });
    }
  }
  return expanded;
}

/** A deep copy whose objects have no prototype (resources are JSON: objects, arrays and scalars). */
function withoutPrototypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPrototypes);
  if (!isObject(value)) return value;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) copy[key] = withoutPrototypes(item);
  return copy;
}

/**
 * Gives the objects of a patched copy their prototype back, in place (no second copy), and drops what JSON
 * has no form for (undefined members; undefined array items become null), as a JSON round trip would.
 */
function toPlainInPlace(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = value[i] === undefined ? null : toPlainInPlace(value[i]);
    return value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  // Members first, while the object has no prototype (no accessor like __proto__ can interfere).
  for (const key of Object.keys(record)) {
    if (record[key] === undefined) delete record[key];
    else record[key] = toPlainInPlace(record[key]);
  }
  if (Object.getPrototypeOf(record) !== Object.prototype) Object.setPrototypeOf(record, Object.prototype);
  return record;
}

function libraryError(error: unknown): never {
  if (error instanceof PatchLibraryError) {
    const scimType = (error as { scimCode?: string }).scimCode as ScimType | undefined;
    throw new ScimError(400, error.message, scimType ?? 'invalidValue');
  }
  // A sub-attribute of a value that is not complex (`title.x` on a string): scim-patch assigns to a primitive.
  if (error instanceof TypeError)
    throw new ScimError(400, 'the path names a sub-attribute of a value that is not complex', 'invalidPath');
  throw error;
}

/** Applies attribute operations to a resource with scim-patch (value-filter paths, add/replace/remove semantics). */
export function applyToResource(
  kind: ResourceKind,
  resource: ScimResource,
  operations: readonly PatchOperation[],
  id: string,
): ScimResource {
  const ops: ScimPatchOperation[] = [];
  for (const operation of operations) {
    if (operation.path === undefined) {
      if (operation.op === 'remove') throw new ScimError(400, 'a remove operation needs a path', 'noTarget');
      ops.push(...expandNoPath(kind, operation, id).map((o) => toLibraryOp(kind, o)));
    } else {
      ops.push(toLibraryOp(kind, operation));
    }
  }
  try {
    // The one copy of the resource, prototype-less: even a path that got past the checks has no
    // Object.prototype to walk into. Plain objects again afterwards, for comparison and storage.
    const patched = scimPatch(withoutPrototypes(resource) as never, ops, {
      mutateDocument: true,
      treatMissingAsAdd: false,
    });
    return toPlainInPlace(patched) as ScimResource;
  } catch (error) {
    return libraryError(error);
  }
}

const MANAGER_PATH = `${ENTERPRISE_USER_SCHEMA}:manager`.toLowerCase();

/**
 * Entra ID sends a user's manager as a bare id on the attribute's own path (`add`/`replace`
 * `urn:…:User:manager` with `"value": "<id>"`), but the attribute is complex (RFC 7643 §4.3): as
 * `{ "value": "<id>" }` it replaces the one stored instead of failing to merge a string into an object.
 */
function managerAsComplex(kind: ResourceKind, path: string, value: unknown): unknown {
  return kind === 'User' && typeof value === 'string' && path.toLowerCase() === MANAGER_PATH ? { value } : value;
}

function toLibraryOp(kind: ResourceKind, operation: PatchOperation): ScimPatchOperation {
  const path = canonicalPath(kind, operation.path ?? '');
  checkWritable(kind, path);
  // scim-patch splits the keys of an object value into paths and walks them too.
  if (isObject(operation.value)) for (const key of Object.keys(operation.value)) checkValueKey(key);
  if (Array.isArray(operation.value) && operation.value.length > MAX_OPERATION_VALUES) {
    throw new ScimError(
      400,
      `an operation on ${path} may carry at most ${MAX_OPERATION_VALUES} values`,
      'invalidValue',
    );
  }
  // Values are walked as well (merged into the resource): prototype-less like the resource itself.
  const value = withoutPrototypes(managerAsComplex(kind, path, operation.value));
  if (operation.op === 'remove') {
    return value === undefined ? { op: 'remove', path } : { op: 'remove', path, value };
  }
  return { op: operation.op, path, value };
}

const MEMBER_FILTER = /^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$/i;

export interface GroupPatch {
  readonly members: MemberChange[];
  /** Operations on other attributes (displayName, externalId, extensions). */
  readonly attributes: PatchOperation[];
}

/**
 * Splits a group PatchOp: member operations become set changes applied in SQL (add, remove by value list or
 * by `members[value eq "…"]`, remove all, replace all); everything else is patched on the raw resource.
 */
export function splitGroupPatch(operations: readonly PatchOperation[]): GroupPatch {
  const members: MemberChange[] = [];
  const attributes: PatchOperation[] = [];
  for (const operation of operations) {
    const path = operation.path;
    if (path === undefined) {
      const whole = isObject(operation.value) ? unqualifyCore('Group', operation.value) : operation.value;
      if (isObject(whole) && Object.keys(whole).some((k) => k.toLowerCase() === 'members')) {
        const { members: value, ...rest } = Object.fromEntries(
          Object.entries(whole).map(([k, v]) => [k.toLowerCase() === 'members' ? 'members' : k, v]),
        );
        members.push({ op: operation.op === 'add' ? 'add' : 'replace', userIds: memberIds(value) });
        if (Object.keys(rest).length > 0) attributes.push({ ...operation, value: rest });
      } else {
        attributes.push(operation);
      }
      continue;
    }
    const filtered = MEMBER_FILTER.exec(path);
    if (filtered?.[1] !== undefined) {
      if (operation.op !== 'remove')
        throw new ScimError(400, `${operation.op} on ${path} is not supported; add to "members"`, 'invalidPath');
      members.push({ op: 'remove', userIds: [filtered[1]] });
    } else if (/^members$/i.test(path)) {
      if (operation.op === 'remove') {
        members.push(
          operation.value === undefined ? { op: 'removeAll' } : { op: 'remove', userIds: memberIds(operation.value) },
        );
      } else {
        members.push({ op: operation.op, userIds: memberIds(operation.value) });
      }
    } else if (/^members\b/i.test(path)) {
      throw new ScimError(400, `unsupported members path ${JSON.stringify(path)}`, 'invalidPath');
    } else {
      attributes.push(operation);
    }
  }
  return { members, attributes };
}

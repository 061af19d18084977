import { ScimError } from './errors.js';
import {
  enterpriseUserSchema,
  groupSchema,
  metaAttribute,
  schemasAttribute,
  userSchema,
  type AttributeDefinition,
  type SchemaDefinition,
} from './schema-definitions.js';

export type ResourceKind = 'User' | 'Group';

export interface ResolvedPath {
  /** Canonical names; an extension attribute starts with its schema URN. */
  readonly segments: readonly string[];
  /** The attribute the path ends at; undefined for attributes no schema defines (kept in raw). */
  readonly attribute: AttributeDefinition | undefined;
  /** Set when the path goes through a multi-valued complex attribute (`emails.value`). */
  readonly multiValued?: { readonly attribute: string; readonly subPath: readonly string[] };
  /** Set when the path is a known schema URN alone (`urn:…:core:2.0:User`, `urn:…:enterprise:2.0:User`). */
  readonly wholeSchema?: true;
}

const coreSchema: Record<ResourceKind, SchemaDefinition> = { User: userSchema, Group: groupSchema };
const extensions: Record<ResourceKind, readonly SchemaDefinition[]> = { User: [enterpriseUserSchema], Group: [] };

/** RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; `$ref` for references. */
const ATTRIBUTE_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;
/** A schema URN (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, `urn:okta:custom:1.0:User`). */
const SCHEMA_URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]*(?::[A-Za-z0-9._-]+)+$/i;
/**
 * Names that objects, arrays, strings, numbers and functions inherit as methods or objects (`constructor`,
 * `toString`, `hasOwnProperty`, `map`, `call`, …, plus `prototype` and `__proto__`). The grammar allows them,
 * but a path through one walks into a built-in prototype shared by every tenant, so no resource may use them.
 */
const INHERITED_NAMES: ReadonlySet<string> = new Set(
  [Object.prototype, Function.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype]
    .flatMap((prototype) =>
      Object.entries(Object.getOwnPropertyDescriptors(prototype))
        .filter(
          ([, descriptor]) => descriptor.get !== undefined || ['object', 'function'].includes(typeof descriptor.value),
        )
        .map(([name]) => name),
    )
    .concat(['prototype', '__proto__'])
    .map((name) => name.toLowerCase()),
);

/** RFC 7644 §3.10: `attrPath = [URI ":"] ATTRNAME *1subAttr` — an attribute and at most one sub-attribute. */
const MAX_PATH_NAMES = 2;

function invalidPath(detail: string): ScimError {
  return new ScimError(400, detail, 'invalidPath');
}

/** Throws 400 invalidPath unless `name` is an attribute name a resource may carry. */
export function checkAttributeName(name: string): void {
  if (!ATTRIBUTE_NAME.test(name) || INHERITED_NAMES.has(name.toLowerCase())) {
    throw invalidPath(`${JSON.stringify(name)} is not a valid attribute name`);
  }
}

/**
 * Keys of an object PATCH value, which scim-patch splits into names it walks: one attribute name, optionally
 * qualified by a schema URN (`urn:…:User:department`), never a dotted path.
 */
export function checkValueKey(key: string): void {
  const cut = /^urn:/i.test(key) ? key.lastIndexOf(':') : -1;
  if (cut >= 0) checkSchemaUrn(key.slice(0, cut));
  checkAttributeName(key.slice(cut + 1));
}

/** Any key anywhere in a SCIM body: the names no resource may carry (see INHERITED_NAMES) are refused. */
export function isInheritedName(name: string): boolean {
  return INHERITED_NAMES.has(name.toLowerCase());
}

function checkSchemaUrn(urn: string): void {
  if (!SCHEMA_URN.test(urn) || urn.split(':').some((part) => INHERITED_NAMES.has(part.toLowerCase()))) {
    throw invalidPath(`${JSON.stringify(urn)} is not a valid schema URN`);
  }
}

function find(attributes: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return attributes.find((attribute) => attribute.name.toLowerCase() === lower);
}

/** The schemas a resource of this kind may carry (core first). */
export function schemaIds(kind: ResourceKind): string[] {
  return [coreSchema[kind].id, ...extensions[kind].map((schema) => schema.id)];
}

/** Whether `name` is the core schema URN of this kind (RFC 7643 §8.7.1: URNs compare case-insensitively). */
export function isCoreSchemaUrn(kind: ResourceKind, name: string): boolean {
  return name.toLowerCase() === coreSchema[kind].id.toLowerCase();
}

/** Splits `urn:…:User:name.givenName` into the schema URN and the attribute path. */
function splitUrn(kind: ResourceKind, path: string): { schema: SchemaDefinition | string | undefined; rest: string } {
  if (!/^urn:/i.test(path)) return { schema: undefined, rest: path };
  for (const schema of [coreSchema[kind], ...extensions[kind]]) {
    if (path.toLowerCase().startsWith(`${schema.id.toLowerCase()}:`))
      return { schema, rest: path.slice(schema.id.length + 1) };
    if (path.toLowerCase() === schema.id.toLowerCase()) return { schema, rest: '' };
  }
  const cut = path.lastIndexOf(':');
  const urn = path.slice(0, cut);
  checkSchemaUrn(urn);
  return { schema: urn, rest: path.slice(cut + 1) };
}

/**
 * Resolves an attribute path of a filter, sortBy, attributes or PATCH (RFC 7644 §3.10 ABNF, names
 * case-insensitive) to canonical names. Unknown attributes keep their spelling (they live in `raw`), but only
 * when every name follows the attribute-name grammar; anything else is 400 invalidPath.
 */
export function resolvePath(kind: ResourceKind, path: string): ResolvedPath {
  const { schema, rest } = splitUrn(kind, path.trim());
  const names = rest === '' ? [] : rest.split('.');
  if (names.length > MAX_PATH_NAMES) throw invalidPath(`${JSON.stringify(path)} has more than one sub-attribute`);
  const [first, ...subs] = names;
  const extension = schema !== undefined && schema !== coreSchema[kind];
  const prefix = extension ? [typeof schema === 'string' ? schema : schema.id] : [];
  if (first === undefined)
    return { segments: prefix, attribute: undefined, ...(typeof schema === 'object' ? { wholeSchema: true } : {}) };
  // The core URN qualifies the core attributes and the common ones (RFC 7643 §3.1): the same as no URN.
  const pool =
    typeof schema === 'object' && extension
      ? schema.attributes
      : [...coreSchema[kind].attributes, metaAttribute, schemasAttribute];
  const top = typeof schema === 'string' ? undefined : find(pool, first);
  if (!top) {
    for (const name of names) checkAttributeName(name);
    return { segments: [...prefix, first, ...subs], attribute: undefined };
  }
  const segments = [...prefix, top.name];
  let attribute: AttributeDefinition | undefined = top;
  for (const sub of subs) {
    const child: AttributeDefinition | undefined = attribute?.subAttributes
      ? find(attribute.subAttributes, sub)
      : undefined;
    if (!child) checkAttributeName(sub);
    segments.push(child?.name ?? sub);
    attribute = child;
  }
  const multiValued = top.multiValued ? { attribute: top.name, subPath: segments.slice(prefix.length + 1) } : undefined;
  return { segments, attribute, ...(multiValued ? { multiValued } : {}) };
}

/** The sub-attribute definition of a multi-valued attribute (for value filters `emails[type eq "work"]`). */
export function subAttribute(kind: ResourceKind, attribute: string, sub: string): AttributeDefinition | undefined {
  const parent = resolvePath(kind, attribute).attribute;
  const found = parent?.subAttributes ? find(parent.subAttributes, sub) : undefined;
  if (!found) checkAttributeName(sub);
  return found;
}

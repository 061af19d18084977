import { parseTimestamp } from '../db/sql.js';
import { isObject } from '../lib/is-object.js';
import type { GroupRow } from '../provisioning/group.sql.js';
import type { MemberRef } from '../provisioning/membership.sql.js';
import { UserState } from '../provisioning/user.entity.js';
import type { GroupRef, UserRow } from '../provisioning/user.sql.js';
import { ScimError } from './errors.js';
import { isCoreSchemaUrn, resolvePath, type ResolvedPath, type ResourceKind } from './paths.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './schema-definitions.js';

export type ScimResource = Record<string, unknown>;

/** Attributes the server owns: never stored in `raw` (RFC 7643 readOnly; password is writeOnly and not kept). */
const SERVER_OWNED: Record<ResourceKind, readonly string[]> = {
  User: ['id', 'meta', 'groups', 'password'],
  Group: ['id', 'meta', 'members'],
};

/** The ETag of a resource at `version` (`meta.version` and the `ETag` header): weak, `W/"<version>"`. */
export function weakEtag(version: number): string {
  return `W/"${version}"`;
}

/**
 * Lifts core attributes sent inside the core schema's URN (`{"urn:…:core:2.0:User": {"userName": …}}`,
 * RFC 7644 §3.10) to the top level, where they are stored: for bodies and no-path PATCH values. An attribute
 * both inside and outside the URN (names compare case-insensitively) is ambiguous: 400 invalidValue.
 */
export function unqualifyCore(kind: ResourceKind, body: ScimResource): ScimResource {
  const qualifiedKeys = Object.keys(body).filter((key) => isCoreSchemaUrn(kind, key));
  if (qualifiedKeys.length === 0) return body;
  const result: ScimResource = Object.fromEntries(Object.entries(body).filter(([key]) => !qualifiedKeys.includes(key)));
  const seen = new Set(Object.keys(result).map((key) => key.toLowerCase()));
  for (const urn of qualifiedKeys) {
    const inner = body[urn];
    if (!isObject(inner)) throw new ScimError(400, `${urn} must be an object of ${kind} attributes`, 'invalidValue');
    for (const [key, value] of Object.entries(inner)) {
      if (seen.has(key.toLowerCase()) || isCoreSchemaUrn(kind, key)) {
        throw new ScimError(400, `${key} is given both inside and outside ${urn}`, 'invalidValue');
      }
      seen.add(key.toLowerCase());
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return result;
}

/**
 * Rewrites known attribute names to their canonical spelling (names are case-insensitive, RFC 7643 §2.1),
 * so `raw` can be queried by path; unknown attributes are kept as sent. Core attributes qualified by the
 * core schema URN are stored unqualified.
 */
function canonicalize(kind: ResourceKind, body: ScimResource): ScimResource {
  const result: ScimResource = {};
  const names = new Set<string>();
  for (const [key, value] of Object.entries(unqualifyCore(kind, body))) {
    const resolved = attributeOfBody(kind, key);
    // A core attribute keeps its short name, also when sent as `urn:…:core:2.0:User:password` (so what the
    // server owns or never keeps is recognized by name below); extension keys stay as sent.
    const canonical = resolved.segments[0];
    const name = canonical && !canonical.toLowerCase().startsWith('urn:') ? canonical : key;
    if (names.has(name.toLowerCase())) {
      throw new ScimError(400, `${name} is given twice (plain and qualified by its schema URN)`, 'invalidValue');
    }
    names.add(name.toLowerCase());
    if (resolved.attribute?.subAttributes && !resolved.attribute.multiValued && isObject(value)) {
      const sub: ScimResource = {};
      for (const [subKey, subValue] of Object.entries(value)) {
        const known = resolved.attribute.subAttributes.find((a) => a.name.toLowerCase() === subKey.toLowerCase());
        if (!known) attributeOfBody(kind, `${name}.${subKey}`);
        sub[known?.name ?? subKey] = subValue;
      }
      result[name] = sub;
    } else {
      result[name] = value;
    }
  }
  return result;
}

/** A body key resolved like a path; a key that is no valid attribute name is a bad value, not a bad path. */
function attributeOfBody(kind: ResourceKind, key: string): ResolvedPath {
  try {
    return resolvePath(kind, key);
  } catch (error) {
    if (error instanceof ScimError) throw new ScimError(400, error.message, 'invalidValue');
    throw error;
  }
}

/** Stored form of active: a JSON boolean even when the IdP sent "True"/"False". */
function coerceActive(raw: ScimResource): void {
  const active = raw['active'];
  if (typeof active === 'string' && /^(true|false)$/i.test(active.trim()))
    raw['active'] = active.trim().toLowerCase() === 'true';
}

/** A bare-string manager (some IdPs) becomes `{ "value": "…" }` (RFC 7643 §4.3). */
function coerceManager(raw: ScimResource): void {
  const enterprise = raw[ENTERPRISE_USER_SCHEMA];
  if (isObject(enterprise) && typeof enterprise['manager'] === 'string')
    enterprise['manager'] = { value: enterprise['manager'] };
}

/** Parses a POST/PUT body or a patched resource into the `raw` a user keeps. */
export function toUserRaw(body: unknown): ScimResource {
  if (!isObject(body)) throw new ScimError(400, 'the request body must be a JSON object', 'invalidSyntax');
  const raw = canonicalize('User', body);
  for (const key of SERVER_OWNED.User) delete raw[key];
  coerceActive(raw);
  coerceManager(raw);
  return raw;
}

export interface GroupInput {
  readonly raw: ScimResource;
  /** `members[].value` of the body, or undefined when the body has no `members`. */
  readonly memberIds: string[] | undefined;
}

/** The member ids of a `members` value: `[{ "value": id }, …]`. */
export function memberIds(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((member, index) => {
    const id = isObject(member) ? member['value'] : undefined;
    if (typeof id !== 'string' || id === '')
      throw new ScimError(400, `members[${index}].value must be a user id`, 'invalidValue');
    return id;
  });
}

export function toGroupInput(body: unknown): GroupInput {
  if (!isObject(body)) throw new ScimError(400, 'the request body must be a JSON object', 'invalidSyntax');
  const raw = canonicalize('Group', body);
  const members = 'members' in raw ? memberIds(raw['members']) : undefined;
  for (const key of SERVER_OWNED.Group) delete raw[key];
  return { raw, memberIds: members };
}

function schemasOf(raw: ScimResource, core: string): string[] {
  const declared = Array.isArray(raw['schemas'])
    ? raw['schemas'].filter((s): s is string => typeof s === 'string')
    : [];
  const schemas = new Set([core, ...declared]);
  if (raw[ENTERPRISE_USER_SCHEMA] !== undefined) schemas.add(ENTERPRISE_USER_SCHEMA);
  return [...schemas];
}

function isoTimestamp(text: string): string {
  return parseTimestamp(text).toISOString();
}

/**
 * The SCIM representation of a user: raw attributes with server-owned ones filled in (RFC 7643 §3.1, §4.1);
 * `groups` when the row carries them.
 */
export function toScimUser(user: UserRow & { readonly groups?: readonly GroupRef[] }, baseUrl: string): ScimResource {
  const groups = user.groups;
  return {
    ...user.raw,
    schemas: schemasOf(user.raw, USER_SCHEMA),
    id: user.id,
    ...(user.externalId ? { externalId: user.externalId } : {}),
    userName: user.userName,
    active: user.state === UserState.ACTIVE,
    ...(groups
      ? { groups: groups.map((g) => ({ value: g.id, display: g.displayName, $ref: `${baseUrl}/Groups/${g.id}` })) }
      : {}),
    meta: {
      resourceType: 'User',
      created: isoTimestamp(user.createdAt),
      lastModified: isoTimestamp(user.updatedAt),
      location: `${baseUrl}/Users/${user.id}`,
      version: weakEtag(user.version),
    },
  };
}

/** The SCIM representation of a group; `members` when the row carries them. */
export function toScimGroup(
  group: GroupRow & { readonly members?: readonly MemberRef[] },
  baseUrl: string,
): ScimResource {
  const members = group.members;
  return {
    ...group.raw,
    schemas: schemasOf(group.raw, GROUP_SCHEMA),
    id: group.id,
    ...(group.externalId ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    ...(members
      ? {
          members: members.map((m) => ({
            value: m.id,
            display: m.displayName ?? m.userName,
            type: 'User',
            $ref: `${baseUrl}/Users/${m.id}`,
          })),
        }
      : {}),
    meta: {
      resourceType: 'Group',
      created: isoTimestamp(group.createdAt),
      lastModified: isoTimestamp(group.updatedAt),
      location: `${baseUrl}/Groups/${group.id}`,
      version: weakEtag(group.version),
    },
  };
}

/**
 * The resource as PATCH sees it: what the IdP last wrote, with the server-owned columns in place. Not a deep
 * copy: `applyToResource` patches a copy of its own.
 */
export function patchableUser(user: UserRow): ScimResource {
  return { ...user.raw, userName: user.userName, active: user.state === UserState.ACTIVE };
}

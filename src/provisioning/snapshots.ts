import type { EventScope, GroupRefSnapshot, GroupSnapshot, UserSnapshot } from '../events/event-types.js';
import { isObject } from '../lib/is-object.js';
import type { GroupRow } from './group.sql.js';
import type { UserRow } from './user.sql.js';

export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/**
 * The enterprise extension's attributes, flat: `{ department, employeeNumber, manager: "<manager id>", … }`.
 * Vendors map these (WorkOS calls them custom attributes); `raw` keeps everything else the IdP sent.
 */
function customAttributes(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const enterprise = raw[ENTERPRISE_USER_SCHEMA];
  if (!isObject(enterprise)) return {};
  const flat: Record<string, unknown> = { ...enterprise };
  const manager = enterprise['manager'];
  if (isObject(manager)) flat['manager'] = manager['value'] ?? null;
  return flat;
}

/** What a user snapshot is made of: a row, or the row a write is about to store. */
export type UserFields = Pick<
  UserRow,
  | 'id'
  | 'externalId'
  | 'userName'
  | 'email'
  | 'emails'
  | 'firstName'
  | 'lastName'
  | 'displayName'
  | 'state'
  | 'raw'
  | 'version'
>;

export type GroupFields = Pick<GroupRow, 'id' | 'externalId' | 'displayName' | 'raw' | 'version'>;

/**
 * A user as events carry it. `raw` is shared, not copied: rows are read fresh for each request and never
 * changed in place (a write builds a new resource), and the event is serialised in the same transaction.
 */
export function userSnapshot(user: UserFields, scope: EventScope, groups: readonly GroupRefSnapshot[]): UserSnapshot {
  return {
    id: user.id,
    directoryId: scope.directoryId,
    organizationId: scope.organizationId,
    externalId: user.externalId,
    userName: user.userName,
    email: user.email,
    emails: [...user.emails],
    firstName: user.firstName,
    lastName: user.lastName,
    displayName: user.displayName,
    state: user.state,
    groups: groups.map((group) => ({ id: group.id, displayName: group.displayName })),
    customAttributes: customAttributes(user.raw),
    raw: user.raw,
    version: user.version,
  };
}

/** A group as events carry it (`raw` shared, as in {@link userSnapshot}). */
export function groupSnapshot(group: GroupFields, scope: EventScope): GroupSnapshot {
  return {
    id: group.id,
    directoryId: scope.directoryId,
    organizationId: scope.organizationId,
    externalId: group.externalId,
    displayName: group.displayName,
    raw: group.raw,
    version: group.version,
  };
}

/** Normalized fields reported in `changed` next to the raw SCIM paths. */
export const USER_FIELDS = [
  'userName',
  'externalId',
  'email',
  'emails',
  'firstName',
  'lastName',
  'displayName',
  'state',
] as const;
export const GROUP_FIELDS = ['displayName', 'externalId'] as const;

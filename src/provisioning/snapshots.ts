import type { EventScope, GroupRefSnapshot, GroupSnapshot, UserSnapshot } from '../events/event-types.js';
import { isObject } from '../lib/is-object.js';
import type { DirectoryGroup } from './group.entity.js';
import type { DirectoryUser } from './user.entity.js';

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

const clone = <T>(value: T): T => structuredClone(value);

export function userSnapshot(
  user: DirectoryUser,
  scope: EventScope,
  groups: readonly GroupRefSnapshot[],
): UserSnapshot {
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
    raw: clone(user.raw),
    version: user.version,
  };
}

export function groupSnapshot(group: DirectoryGroup, scope: EventScope): GroupSnapshot {
  return {
    id: group.id,
    directoryId: scope.directoryId,
    organizationId: scope.organizationId,
    externalId: group.externalId,
    displayName: group.displayName,
    raw: clone(group.raw),
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

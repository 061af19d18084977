/** Every provisioning event type (docs/design.md). Deactivation is `dsync.user.updated` with `state` active → inactive. */
export const DIRECTORY_EVENT_TYPES = [
  'dsync.activated',
  'dsync.deactivated',
  'dsync.deleted',
  'dsync.user.created',
  'dsync.user.updated',
  'dsync.user.deleted',
  'dsync.group.created',
  'dsync.group.updated',
  'dsync.group.deleted',
  'dsync.group.user_added',
  'dsync.group.user_removed',
] as const;

export type DirectoryEventType = (typeof DIRECTORY_EVENT_TYPES)[number];

export function isDirectoryEventType(value: string): value is DirectoryEventType {
  return (DIRECTORY_EVENT_TYPES as readonly string[]).includes(value);
}

/** Where an event happened; every provisioning event belongs to one directory. */
export interface EventScope {
  readonly environmentId: string;
  readonly organizationId: string;
  readonly directoryId: string;
}

export interface DirectorySnapshot {
  readonly id: string;
  readonly organizationId: string;
  readonly name: string;
  readonly provider: string;
  readonly state: string;
}

export interface GroupRefSnapshot {
  readonly id: string;
  readonly displayName: string;
}

/** A normalized user as events carry it (docs/events.md), plus `version`. */
export interface UserSnapshot {
  readonly id: string;
  readonly directoryId: string;
  readonly organizationId: string;
  readonly externalId: string | null;
  readonly userName: string;
  readonly email: string | null;
  readonly emails: readonly string[];
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly displayName: string | null;
  readonly state: string;
  readonly groups: readonly GroupRefSnapshot[];
  readonly customAttributes: Readonly<Record<string, unknown>>;
  readonly raw: Readonly<Record<string, unknown>>;
  readonly version: number;
}

export interface GroupSnapshot {
  readonly id: string;
  readonly directoryId: string;
  readonly organizationId: string;
  readonly externalId: string | null;
  readonly displayName: string;
  readonly raw: Readonly<Record<string, unknown>>;
  readonly version: number;
}

/** `before`/`after` of a change; `changed` lists every changed attribute path (see changes.ts). */
export interface ChangeData<T> {
  readonly before: T | null;
  readonly after: T | null;
  readonly changed: readonly string[];
}

/** A membership change: the user (with its groups after the change) and the group. */
export interface MembershipData {
  readonly user: UserSnapshot;
  readonly group: GroupSnapshot;
}

export interface EventDataMap {
  'dsync.activated': ChangeData<DirectorySnapshot>;
  'dsync.deactivated': ChangeData<DirectorySnapshot>;
  'dsync.deleted': ChangeData<DirectorySnapshot>;
  'dsync.user.created': ChangeData<UserSnapshot>;
  'dsync.user.updated': ChangeData<UserSnapshot>;
  'dsync.user.deleted': ChangeData<UserSnapshot>;
  'dsync.group.created': ChangeData<GroupSnapshot>;
  'dsync.group.updated': ChangeData<GroupSnapshot>;
  'dsync.group.deleted': ChangeData<GroupSnapshot>;
  'dsync.group.user_added': MembershipData;
  'dsync.group.user_removed': MembershipData;
}

/** A committed event as subscribers and the events API see it (the webhook body too). */
export interface DirectoryEvent {
  readonly id: string;
  /** Commit order across all directories; the resume cursor behind `after`. Not part of the public payload. */
  readonly position: number;
  readonly sequence: number;
  readonly type: DirectoryEventType;
  readonly createdAt: Date;
  readonly environmentId: string;
  readonly organizationId: string;
  readonly directoryId: string;
  readonly data: Record<string, unknown>;
  /** When the sequencer published it (the metrics' lag clock). Not part of the public payload. */
  readonly committedAt: Date;
}

/** The event as the API and webhooks show it. */
export type PublicEvent = Omit<DirectoryEvent, 'position' | 'committedAt'>;

/** The event as the API and webhooks show it: every field but the internal commit position and time. */
export function toPublicEvent(event: DirectoryEvent): PublicEvent {
  const { position: _position, committedAt: _committedAt, ...rest } = event;
  return rest;
}

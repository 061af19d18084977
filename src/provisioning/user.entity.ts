import { ArrayType, Collection, Entity, Enum, Index, ManyToMany, ManyToOne, Property, Unique } from '@mikro-orm/core';

import { BaseEntity } from '../db/base.entity.js';
import { Directory } from '../tenancy/directory.entity.js';
import type { DirectoryGroup } from './group.entity.js';

export enum UserState {
  ACTIVE = 'active',
  INACTIVE = 'inactive',
}

/**
 * A user provisioned by a directory's IdP: normalized columns (recomputed on every write) next to the raw
 * SCIM resource, which keeps every attribute the IdP sent.
 */
@Entity({ tableName: 'directory_users' })
@Unique({ properties: ['directory', 'userNameLower'] })
@Index({ properties: ['directory', 'externalId'] })
@Index({ properties: ['directory', 'email'] })
// Pages of a directory in id order (SCIM startIndex, GraphQL cursors) walk this index instead of sorting.
@Index({ properties: ['directory', 'id'] })
export class DirectoryUser extends BaseEntity<
  'version' | 'externalId' | 'email' | 'emails' | 'firstName' | 'lastName' | 'displayName' | 'state'
> {
  @ManyToOne({ entity: () => Directory, deleteRule: 'cascade' })
  directory!: Directory;

  @Property({ type: 'text', nullable: true })
  externalId: string | null = null;

  @Property({ type: 'text' })
  userName!: string;

  /** userName is unique per directory case-insensitively (RFC 7643 §4.1: caseExact false). */
  @Property({ type: 'text' })
  userNameLower!: string;

  /** Primary (else work, else first) email, lower-case. */
  @Property({ type: 'text', nullable: true })
  email: string | null = null;

  /** Every email value, lower-case: the index behind `emails eq "…"` filters. */
  @Property({ type: ArrayType, columnType: 'text[]' })
  emails: string[] = [];

  @Property({ type: 'text', nullable: true })
  firstName: string | null = null;

  @Property({ type: 'text', nullable: true })
  lastName: string | null = null;

  @Property({ type: 'text', nullable: true })
  displayName: string | null = null;

  @Enum({ items: () => UserState, type: 'text' })
  state: UserState = UserState.ACTIVE;

  /** The SCIM resource as the IdP last wrote it (without id, meta, groups and password). */
  @Property({ type: 'json' })
  raw!: Record<string, unknown>;

  /** Increases with every change: weak ETag, and lets consumers spot stale data. */
  @Property({ type: 'integer', version: true })
  version: number = 1;

  /** For queries only (`{ groups: groupId }`). */
  @ManyToMany({ entity: 'DirectoryGroup', mappedBy: 'members' })
  groups = new Collection<DirectoryGroup>(this);
}

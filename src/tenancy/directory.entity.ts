import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/core';

import { BaseEntity } from '../db/base.entity.js';
import { Organization } from './organization.entity.js';

/** Enum keys are the GraphQL values; the strings are what the database stores. */
export enum DirectoryProvider {
  ENTRA_ID = 'ENTRA_ID',
  OKTA = 'OKTA',
  ONELOGIN = 'ONELOGIN',
  JUMPCLOUD = 'JUMPCLOUD',
  PING = 'PING',
  GENERIC_SCIM = 'GENERIC_SCIM',
}

export enum DirectoryState {
  PENDING = 'pending',
  ACTIVE = 'active',
  INACTIVE = 'inactive',
}

/** One SCIM endpoint of an organization, authenticated by its own bearer token (stored as a hash). */
@Entity({ tableName: 'directories' })
export class Directory extends BaseEntity<'state' | 'lastSyncAt'> {
  @Index()
  @ManyToOne({ entity: () => Organization, deleteRule: 'cascade' })
  organization!: Organization;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => DirectoryProvider, type: 'text' })
  provider!: DirectoryProvider;

  @Enum({ items: () => DirectoryState, type: 'text' })
  state: DirectoryState = DirectoryState.PENDING;

  @Unique()
  @Property({ type: 'text', hidden: true })
  tokenHash!: string;

  @Property({ type: 'text' })
  tokenPrefix!: string;

  @Property({ type: 'datetime', nullable: true })
  lastSyncAt: Date | null = null;
}

import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/core';
import { BaseEntity } from '../db/base.entity.js';
import { Organization } from './organization.entity.js';

export enum DirectoryProvider {
  EntraId = 'ENTRA_ID',
  Okta = 'OKTA',
  OneLogin = 'ONELOGIN',
  JumpCloud = 'JUMPCLOUD',
  Ping = 'PING',
  GenericScim = 'GENERIC_SCIM',
}

export enum DirectoryState {
  Pending = 'pending',
  Active = 'active',
  Inactive = 'inactive',
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
  state: DirectoryState = DirectoryState.Pending;

  @Unique()
  @Property({ type: 'text', hidden: true })
  tokenHash!: string;

  @Property({ type: 'text' })
  tokenPrefix!: string;

  @Property({ type: 'datetime', nullable: true })
  lastSyncAt: Date | null = null;
}

import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/core';

import { BaseEntity } from '../db/base.entity.js';
import { ApiKey } from './api-key.entity.js';
import { Environment } from './environment.entity.js';
import { Organization } from './organization.entity.js';

/** A customer's IT admin: manages the directories of one organization through admin sessions. */
@Entity({ tableName: 'admins' })
@Index({ properties: ['organization', 'email'] })
export class Admin extends BaseEntity<'name' | 'revokedAt'> {
  @ManyToOne({ entity: () => Environment, deleteRule: 'cascade' })
  environment!: Environment;

  @ManyToOne({ entity: () => Organization, deleteRule: 'cascade' })
  organization!: Organization;

  /** Lower-case. */
  @Property({ type: 'text' })
  email!: string;

  @Property({ type: 'text', nullable: true })
  name: string | null = null;

  /** Set by the vendor's revokeAdmin: every session of the admin ended with it. */
  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;
}

/** An invitation to become (or sign in again as) an admin of an organization; only its token's hash is kept. */
@Entity({ tableName: 'admin_invitations' })
@Index({ properties: ['organization', 'email'] })
export class AdminInvitation extends BaseEntity<'acceptedAt' | 'cancelledAt' | 'invitedBy'> {
  @ManyToOne({ entity: () => Organization, deleteRule: 'cascade' })
  organization!: Organization;

  /** Lower-case. */
  @Property({ type: 'text' })
  email!: string;

  @Unique()
  @Property({ type: 'text', hidden: true })
  tokenHash!: string;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  acceptedAt: Date | null = null;

  /** Cancelled by the vendor, or replaced by a newer invitation of the same email. */
  @Property({ type: 'datetime', nullable: true })
  cancelledAt: Date | null = null;

  /** The API key that invited (kept when the key is revoked; keys are never deleted). */
  @ManyToOne({ entity: () => ApiKey, nullable: true, deleteRule: 'set null' })
  invitedBy: ApiKey | null = null;
}

export enum AdminSessionEndReason {
  SIGNED_OUT = 'signed_out',
  REVOKED = 'revoked',
}

/** A signed-in admin: `Authorization: Bearer dsa_…`; only the SHA-256 of the token is stored. */
@Entity({ tableName: 'admin_sessions' })
export class AdminSession extends BaseEntity<'endedAt' | 'endReason'> {
  @Index()
  @ManyToOne({ entity: () => Admin, deleteRule: 'cascade' })
  admin!: Admin;

  @Unique()
  @Property({ type: 'text', hidden: true })
  tokenHash!: string;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  endedAt: Date | null = null;

  @Enum({ items: () => AdminSessionEndReason, type: 'text', nullable: true })
  endReason: AdminSessionEndReason | null = null;
}

import { Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/core';

import { BaseEntity } from '../db/base.entity.js';
import { Environment } from './environment.entity.js';

/** `Authorization: Bearer dsk_<env>_…`; only the SHA-256 of the secret is stored. */
@Entity({ tableName: 'api_keys' })
export class ApiKey extends BaseEntity<'lastUsedAt' | 'revokedAt'> {
  @Index()
  @ManyToOne({ entity: () => Environment, deleteRule: 'cascade' })
  environment!: Environment;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  prefix!: string;

  @Unique()
  @Property({ type: 'text', hidden: true })
  secretHash!: string;

  @Property({ type: 'datetime', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;
}

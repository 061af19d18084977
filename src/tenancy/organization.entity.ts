import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/core';

import { BaseEntity } from '../db/base.entity.js';
import { Environment } from './environment.entity.js';

/** The vendor's customer. `domain` (lower-case) is unique within an environment when set. */
@Entity({ tableName: 'organizations' })
@Unique({ properties: ['environment', 'domain'] })
export class Organization extends BaseEntity<'domain' | 'metadata'> {
  @ManyToOne({ entity: () => Environment, deleteRule: 'cascade' })
  environment!: Environment;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  domain: string | null = null;

  @Property({ type: 'json' })
  metadata: Record<string, unknown> = {};
}

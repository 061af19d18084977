import { Entity, ManyToOne, Property } from '@mikro-orm/core';

import { Directory } from './directory.entity.js';

/**
 * A directory's shared SCIM rate-limit bucket (read and written in plain SQL by scim-rate-limit.ts; the
 * entity describes the table for the schema check). Unlogged: see its migration.
 */
@Entity({ tableName: 'scim_rate_buckets' })
export class ScimRateBucket {
  @ManyToOne({ entity: () => Directory, primary: true, deleteRule: 'cascade' })
  directory!: Directory;

  /** Tokens left (fractional: the bucket refills continuously). */
  @Property({ type: 'double' })
  tokens!: number;

  /** Tokens the last lease handed out. */
  @Property({ type: 'integer' })
  granted!: number;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}

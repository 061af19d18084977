import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';

import { newId } from '../lib/ids.js';
import { AuditActorType } from './actor.js';

/**
 * One GraphQL mutation as it was attempted: who, which mutation, on what, from where, and how it ended.
 * Append-only; written with plain SQL (audit-log.ts) after the mutation, outside its transaction. Never its
 * arguments: only ids of the target. No foreign keys: the log outlives what it describes.
 */
@Entity({ tableName: 'audit_log' })
@Index({ properties: ['environmentId', 'id'] })
@Index({ properties: ['environmentId', 'organizationId', 'id'] })
@Index({ properties: ['createdAt'] })
export class AuditEntry {
  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  /** Null only when neither the caller nor the target belongs to an environment (an anonymous failure). */
  @Property({ type: 'uuid', nullable: true })
  environmentId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  organizationId: string | null = null;

  @Enum({ items: () => AuditActorType, type: 'text' })
  actorType!: AuditActorType;

  @Property({ type: 'uuid', nullable: true })
  actorId: string | null = null;

  @Property({ type: 'text', nullable: true })
  actorLabel: string | null = null;

  /** The mutation's field name, e.g. `createDirectory`. */
  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text', nullable: true })
  targetType: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  targetId: string | null = null;

  @Property({ type: 'text', nullable: true })
  ip: string | null = null;

  @Property({ type: 'text', nullable: true })
  userAgent: string | null = null;

  @Property({ type: 'text', nullable: true })
  requestId: string | null = null;

  /** `ok`, or the GraphQL error code the mutation failed with (NOT_FOUND, BAD_USER_INPUT, …). */
  @Property({ type: 'text' })
  outcome!: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}

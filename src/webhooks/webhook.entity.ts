import { ArrayType, Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/core';

import { BaseEntity } from '../db/base.entity.js';

/**
 * A vendor endpoint that receives events. `eventTypes` empty = every type; `organizationId` null = every
 * organization of the environment. No foreign keys to organizations: deleting one must not widen (set null)
 * or drop (cascade) the filter before its `dsync.deleted` events are delivered.
 */
@Entity({ tableName: 'webhooks' })
@Index({ properties: ['environmentId'] })
export class WebhookEndpoint extends BaseEntity<
  'enabled' | 'disabledReason' | 'description' | 'organizationId' | 'eventTypes'
> {
  @Property({ type: 'uuid' })
  environmentId!: string;

  @Property({ type: 'text' })
  url!: string;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  @Property({ type: ArrayType, columnType: 'text[]' })
  eventTypes: string[] = [];

  @Property({ type: 'uuid', nullable: true })
  organizationId: string | null = null;

  @Property({ type: 'boolean' })
  enabled: boolean = true;

  /** Why dsync disabled the endpoint (e.g. it answered 410 Gone); cleared when re-enabled. */
  @Property({ type: 'text', nullable: true })
  disabledReason: string | null = null;

  /** The signing secret, AES-256-GCM sealed (lib/encryption.ts); the plaintext is shown once. */
  @Property({ type: 'text', hidden: true })
  secretSealed!: string;
}

export enum DeliveryStatus {
  PENDING = 'pending',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
}

/** One HTTP attempt, as the delivery log shows it. */
export interface DeliveryAttempt {
  readonly attemptedAt: string;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly responseExcerpt: string | null;
  readonly error: string | null;
  readonly success: boolean;
}

/**
 * One event on its way to one endpoint. Created by the sequencer in the transaction that publishes the event
 * (with its endpoint's job, src/events/sequencer.ts), or by redeliver/replay. The event is read from the events table
 * when sent.
 */
@Entity({ tableName: 'webhook_deliveries' })
@Index({ properties: ['webhook', 'eventId'] })
@Index({ properties: ['webhook', 'status', 'nextAttemptAt'] })
@Index({
  name: 'webhook_deliveries_pending_created_at_index',
  expression:
    'create index "webhook_deliveries_pending_created_at_index" on "webhook_deliveries" ("created_at") where "status" = \'pending\'',
})
export class WebhookDelivery extends BaseEntity<
  'status' | 'attempts' | 'attemptCount' | 'nextAttemptAt' | 'leaseUntil'
> {
  @ManyToOne({ entity: () => WebhookEndpoint, deleteRule: 'cascade' })
  webhook!: WebhookEndpoint;

  @Property({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'text' })
  eventType!: string;

  @Enum({ items: () => DeliveryStatus, type: 'text' })
  status: DeliveryStatus = DeliveryStatus.PENDING;

  @Property({ type: 'json' })
  attempts: DeliveryAttempt[] = [];

  @Property({ type: 'integer' })
  attemptCount: number = 0;

  @Property({ type: 'datetime', nullable: true })
  nextAttemptAt: Date | null = null;

  /** While an attempt is in flight: no other worker takes it before then (a crashed worker's lease runs out). */
  @Property({ type: 'datetime', nullable: true })
  leaseUntil: Date | null = null;
}

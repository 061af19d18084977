import { BigIntType, Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

import { newId } from '../lib/ids.js';
import type { DirectoryEventType } from './event-types.js';

/**
 * One provisioning event, append-only, inserted in the transaction of the change it describes.
 *
 * `position` (global commit order) and `sequence` (per directory, 1, 2, 3, …) are NULL on insert and
 * assigned by the deferred constraint trigger `events_assign_order` when the transaction commits, in one
 * set-based step per transaction under one advisory lock (see migrations and docs/events.md): both follow
 * commit order (and, within a transaction, id order), so a reader that has
 * seen position N has seen every committed event before it. No foreign keys: history outlives the
 * directory it describes.
 */
@Entity({ tableName: 'events' })
@Index({ properties: ['environmentId', 'position'] })
@Index({ properties: ['organizationId', 'position'] })
@Index({ properties: ['directoryId', 'position'] })
@Unique({ properties: ['directoryId', 'sequence'] })
@Index({ properties: ['createdAt'] })
export class ProvisioningEvent {
  [OptionalProps]?: 'id' | 'createdAt' | 'position' | 'sequence' | 'committedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Unique()
  @Property({ type: new BigIntType('number'), nullable: true })
  position: number | null = null;

  @Property({ type: 'integer', nullable: true })
  sequence: number | null = null;

  @Property({ type: 'uuid' })
  environmentId!: string;

  @Property({ type: 'uuid' })
  organizationId!: string;

  @Property({ type: 'uuid' })
  directoryId!: string;

  @Property({ type: 'text' })
  type!: DirectoryEventType;

  @Property({ type: 'json' })
  data!: Record<string, unknown>;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  /** Set by the commit trigger: when the event's transaction committed (benchmarks measure from it). */
  @Property({ type: 'datetime', nullable: true })
  committedAt: Date | null = null;
}

/** The last sequence number handed out per directory; kept after the directory is deleted, like its events. */
@Entity({ tableName: 'directory_event_counters' })
export class DirectoryEventCounter {
  @PrimaryKey({ type: 'uuid' })
  directoryId!: string;

  @Property({ type: 'integer' })
  lastSequence!: number;
}

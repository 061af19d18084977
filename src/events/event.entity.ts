import { BigIntType, Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

import { newId } from '../lib/ids.js';
import type { DirectoryEventType } from './event-types.js';

/**
 * One provisioning event, append-only, inserted in the transaction of the change it describes.
 *
 * `position` (global publication order) and `sequence` (per directory, 1, 2, 3, …) are NULL on insert and
 * assigned after the transaction commits by the sequencer (src/events/sequencer.ts, docs/events.md), which
 * numbers the events of ended transactions in `insert_order`: a reader that has seen position N has seen
 * every published event before it. `xid` and `insert_order` are filled by the database's defaults; writers
 * never send them. No foreign keys: history outlives the directory it describes.
 */
@Entity({ tableName: 'events' })
@Index({ properties: ['environmentId', 'position'] })
@Index({ properties: ['organizationId', 'position'] })
@Index({ properties: ['directoryId', 'position'] })
@Unique({ properties: ['directoryId', 'sequence'] })
@Index({ properties: ['createdAt'] })
@Index({
  name: 'events_insert_order_pending_index',
  expression: 'create index "events_insert_order_pending_index" on "events" ("insert_order") where "position" is null',
})
export class ProvisioningEvent {
  [OptionalProps]?: 'id' | 'createdAt' | 'position' | 'sequence' | 'committedAt' | 'xid' | 'insertOrder';

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

  /** The inserting transaction (database default): the sequencer numbers it once every older one ended. */
  @Property({ type: 'string', columnType: 'xid8', defaultRaw: 'pg_current_xact_id()', lazy: true })
  xid?: string;

  /** Insert order across transactions (database default); the sequencer numbers ended transactions' events in it. */
  @Property({
    type: new BigIntType('string'),
    columnType: 'bigint',
    autoincrement: true,
    lazy: true,
  })
  insertOrder?: string;

  /** Set by the sequencer: when the event was published (numbered). */
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

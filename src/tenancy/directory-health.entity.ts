import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

import { Directory } from './directory.entity.js';

/**
 * When a directory's IdP last called, last succeeded and last failed, and how (written in plain SQL by
 * directory-health.sql.ts, in the SCIM request log's flush; the entity describes the table for the schema
 * check). Upserts only move each time forward, so batches of several processes may land in any order.
 */
@Entity({ tableName: 'directory_health' })
export class DirectoryHealth {
  @ManyToOne({ entity: () => Directory, primary: true, deleteRule: 'cascade' })
  directory!: Directory;

  @Property({ type: 'datetime' })
  lastRequestAt!: Date;

  /** Last request answered 2xx or 3xx. */
  @Property({ type: 'datetime', nullable: true })
  lastSuccessAt!: Date | null;

  /** Last request answered 400 or above (failed authentication and rate limiting included). */
  @Property({ type: 'datetime', nullable: true })
  lastErrorAt!: Date | null;

  @Property({ type: 'smallint', nullable: true })
  lastErrorStatus!: number | null;

  @Property({ type: 'text', nullable: true })
  lastErrorScimType!: string | null;

  /** The SCIM error's detail, at most 2,048 characters. */
  @Property({ type: 'text', nullable: true })
  lastErrorDetail!: string | null;
}

/**
 * A directory's SCIM requests and errors in one hour (UTC, the hour's start): every request counts, those that
 * failed authentication too. Kept two days (the request log's hourly sweep deletes older hours).
 */
@Entity({ tableName: 'directory_request_counts' })
export class DirectoryRequestCount {
  @ManyToOne({ entity: () => Directory, primary: true, deleteRule: 'cascade' })
  directory!: Directory;

  @PrimaryKey({ type: 'datetime' })
  hour!: Date;

  @Property({ type: 'integer' })
  requests!: number;

  @Property({ type: 'integer' })
  errors!: number;
}

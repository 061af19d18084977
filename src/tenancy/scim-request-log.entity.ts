import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';

import { Directory } from './directory.entity.js';

/**
 * One recorded SCIM request of a directory, for diagnostics (written and read in plain SQL by
 * scim-request-log.sql.ts; the entity describes the table for the schema check). Keyed by
 * (directory, time-sortable id): trimming and paging scan one directory's rows newest first. Unlogged: see
 * its migration.
 */
@Entity({ tableName: 'scim_request_log' })
export class ScimRequestLogEntry {
  @ManyToOne({ entity: () => Directory, primary: true, deleteRule: 'cascade' })
  directory!: Directory;

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'text' })
  method!: string;

  /** Path and (capped) query string as received. */
  @Property({ type: 'text' })
  path!: string;

  @Property({ type: 'smallint' })
  status!: number;

  @Property({ type: 'text', nullable: true })
  scimType!: string | null;

  @Property({ type: 'text', nullable: true })
  errorDetail!: string | null;

  @Property({ type: 'integer' })
  durationMs!: number;

  @Property({ type: 'text', nullable: true })
  userAgent!: string | null;

  @Property({ type: 'text', nullable: true })
  requestId!: string | null;

  /** Why authentication failed (`missing`, `malformed`, `wrong_token`); null when it succeeded. */
  @Property({ type: 'text', nullable: true })
  authFailure!: string | null;

  /** Redacted, serialized JSON, at most 16 KiB. */
  @Property({ type: 'text', nullable: true })
  requestBody!: string | null;

  @Property({ type: 'boolean' })
  requestBodyTruncated!: boolean;

  @Property({ type: 'text', nullable: true })
  responseBody!: string | null;

  @Property({ type: 'boolean' })
  responseBodyTruncated!: boolean;
}

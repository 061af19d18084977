import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';

import { AuditActorType } from '../../audit/actor.js';
import type { AuditEntryRecord } from '../../audit/audit-log.js';
import type { Viewer } from '../../tenancy/types.js';
import { Connection } from '../connection.js';
import { DateTimeScalar } from '../scalars.js';

registerEnumType(AuditActorType, { name: 'AuditActorType', description: 'Who performed an audited mutation.' });

@ObjectType('AuditLogEntry', {
  description: 'One mutation call: who, what, on what, from where, and how it ended. Arguments are never kept.',
})
export class AuditLogEntryNode {
  @Field(() => ID, { description: 'Time-sortable (UUIDv7).' })
  id!: string;

  @Field(() => String, { description: "The mutation's name, e.g. createDirectory." })
  action!: string;

  @Field(() => AuditActorType)
  actorType!: AuditActorType;

  @Field(() => ID, { nullable: true, description: "The API key's (or admin's) id; null for anonymous callers." })
  actorId!: string | null;

  @Field(() => String, { nullable: true, description: "The API key's name at the time." })
  actorLabel!: string | null;

  @Field(() => String, { nullable: true, description: 'ApiKey, Organization, Directory, Webhook, …' })
  targetType!: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "The target's id as the call named or created it; null when it was no id.",
  })
  targetId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The organization the target belongs to, when it has one.' })
  organizationId!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The caller's IP address (X-Forwarded-For when proxied); null for an admin reading the vendor's entries.",
  })
  ip!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The User-Agent header, at most 256 characters; null for an admin reading the vendor's entries.",
  })
  userAgent!: string | null;

  @Field(() => String, { nullable: true, description: 'The x-request-id of the HTTP request (or WebSocket).' })
  requestId!: string | null;

  @Field(() => String, { description: 'ok, or the error code the mutation failed with (NOT_FOUND, …).' })
  outcome!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType()
export class AuditLogConnection extends Connection(AuditLogEntryNode, 'AuditLog') {}

@InputType()
export class AuditLogFilter {
  @Field(() => ID, { nullable: true })
  organizationId?: string | null;

  @Field(() => AuditActorType, { nullable: true })
  actorType?: AuditActorType | null;

  @Field(() => String, { nullable: true, description: 'A mutation name; BAD_USER_INPUT for any other text.' })
  action?: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Entries created at or after this time.' })
  since?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Entries created before this time.' })
  until?: Date | null;
}

/**
 * One entry as `viewer` may see it: an admin reads its organization's entries, but not where the vendor's
 * API calls came from (the vendor's servers' IP and user agent).
 */
export function toAuditLogEntryNode(entry: AuditEntryRecord, viewer: Viewer): AuditLogEntryNode {
  const vendorOrigin = viewer.kind === 'admin' && entry.actorType === AuditActorType.API_KEY;
  return {
    id: entry.id,
    action: entry.action,
    actorType: entry.actorType,
    actorId: entry.actorId,
    actorLabel: entry.actorLabel,
    targetType: entry.targetType,
    targetId: entry.targetId,
    organizationId: entry.organizationId,
    ip: vendorOrigin ? null : entry.ip,
    userAgent: vendorOrigin ? null : entry.userAgent,
    requestId: entry.requestId,
    outcome: entry.outcome,
    createdAt: entry.createdAt,
  };
}

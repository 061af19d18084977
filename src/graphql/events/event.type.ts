import { ArgsType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';

import type { DirectoryEventType, PublicEvent } from '../../events/event-types.js';
import { Connection } from '../connection.js';
import { DateTimeScalar, JSONObjectScalar } from '../scalars.js';

/** A DirectoryEvent as the API shows it: resolvers return `toPublicEvent(event)`, the webhook body. */
@ObjectType('Event', {
  description: 'One provisioning change, with a before/after snapshot. The webhook body has the same shape.',
})
export class EventNode implements PublicEvent {
  @Field(() => ID, { description: 'Time-sortable (UUIDv7); the cursor for `after`.' })
  id!: string;

  @Field(() => Int, {
    description: "Position in the directory's event history: 1, 2, 3, … in commit order, without gaps.",
  })
  sequence!: number;

  @Field(() => String, { description: 'dsync.user.created, dsync.group.user_added, …' })
  type!: DirectoryEventType;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => ID)
  environmentId!: string;

  @Field(() => ID, { nullable: true })
  organizationId!: string;

  @Field(() => ID, { nullable: true })
  directoryId!: string;

  @Field(() => JSONObjectScalar, {
    description: '{ before, after, changed } — or { user, group } for membership events.',
  })
  data!: Record<string, unknown>;
}

@ObjectType()
export class EventConnection extends Connection(EventNode, 'Event') {}

@InputType()
export class EventFilter {
  @Field(() => ID, { nullable: true })
  organizationId?: string | null;

  @Field(() => ID, { nullable: true })
  directoryId?: string | null;

  @Field(() => [String], { nullable: true, description: 'Event types to include; all when omitted.' })
  types?: string[] | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Events created at or after this time.' })
  since?: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Events created before this time.' })
  until?: Date | null;
}

@ArgsType()
export class ProvisioningEventsArgs {
  @Field(() => ID, { nullable: true })
  organizationId?: string | null;

  @Field(() => ID, { nullable: true })
  directoryId?: string | null;

  @Field(() => [String], { nullable: true })
  types?: string[] | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Resume: first every matching event committed after this event id, then live ones. CURSOR_EXPIRED when it is past retention.',
  })
  after?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Resume within one directory (needs directoryId): events after this sequence number.',
  })
  afterSequence?: number | null;
}

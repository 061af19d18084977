import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar } from '../scalars.js';
import { OrganizationNode } from './organization.type.js';

export enum OrganizationEventType {
  CREATED = 'organization.created',
  UPDATED = 'organization.updated',
  DELETED = 'organization.deleted',
}

registerEnumType(OrganizationEventType, { name: 'OrganizationEventType' });

/** What the in-process pub/sub carries; `environmentId` scopes delivery. */
export interface OrganizationEventPayload {
  readonly environmentId: string;
  readonly type: OrganizationEventType;
  readonly organization: OrganizationNode;
  readonly occurredAt: Date;
}

@ObjectType({ description: 'An organization was created, updated or deleted in the caller\'s environment.' })
export class OrganizationEvent {
  @Field(() => OrganizationEventType)
  type!: OrganizationEventType;

  @Field(() => OrganizationNode, { description: 'The organization after the change (before it, for deletions).' })
  organization!: OrganizationNode;

  @Field(() => DateTimeScalar)
  occurredAt!: Date;
}

import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

import {
  DeliveryStatus,
  type DeliveryAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../webhooks/webhook.entity.js';
import { Connection, PageArgs } from '../connection.js';
import { DateTimeScalar } from '../scalars.js';

registerEnumType(DeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'pending: queued or waiting for a retry.',
});

@ObjectType('Webhook', { description: 'An endpoint of yours that receives signed events (Standard Webhooks).' })
export class WebhookNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => [String], { description: 'Event types delivered; empty = all.' })
  eventTypes!: string[];

  @Field(() => ID, { nullable: true, description: 'Only events of this organization; null = all of the environment.' })
  organizationId!: string | null;

  @Field(() => Boolean)
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Why dsync disabled the endpoint (e.g. it answered 410 Gone).' })
  disabledReason!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

export function toWebhookNode(webhook: WebhookEndpoint): WebhookNode {
  return {
    id: webhook.id,
    url: webhook.url,
    description: webhook.description,
    eventTypes: [...webhook.eventTypes],
    organizationId: webhook.organizationId,
    enabled: webhook.enabled,
    disabledReason: webhook.disabledReason,
    createdAt: webhook.createdAt,
    updatedAt: webhook.updatedAt,
  };
}

@ObjectType()
export class WebhookWithSecret {
  @Field(() => WebhookNode)
  webhook!: WebhookNode;

  @Field(() => String, { description: 'The signing secret (whsec_…), shown only here.' })
  secret!: string;
}

@ObjectType('WebhookDeliveryAttempt')
export class WebhookDeliveryAttemptNode {
  @Field(() => DateTimeScalar)
  attemptedAt!: Date;

  @Field(() => Int, {
    nullable: true,
    description: 'HTTP status; null when no response came (timeout, refused, connection error).',
  })
  statusCode!: number | null;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => String, { nullable: true, description: 'The first 1,024 characters of the response body.' })
  responseExcerpt!: string | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Boolean)
  success!: boolean;
}

export function toAttemptNode(attempt: DeliveryAttempt): WebhookDeliveryAttemptNode {
  return { ...attempt, attemptedAt: new Date(attempt.attemptedAt) };
}

@ObjectType('WebhookDelivery')
export class WebhookDeliveryNode {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  webhookId!: string;

  @Field(() => ID, { description: 'Also the webhook-id header: the same on every retry.' })
  eventId!: string;

  @Field(() => String)
  eventType!: string;

  @Field(() => DeliveryStatus)
  status!: DeliveryStatus;

  @Field(() => Int)
  attemptCount!: number;

  @Field(() => DateTimeScalar, { nullable: true })
  nextAttemptAt!: Date | null;

  @Field(() => [WebhookDeliveryAttemptNode])
  attempts!: WebhookDeliveryAttemptNode[];

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

export function toDeliveryNode(delivery: WebhookDelivery): WebhookDeliveryNode {
  return {
    id: delivery.id,
    webhookId: delivery.webhook.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    nextAttemptAt: delivery.nextAttemptAt,
    attempts: delivery.attempts.map(toAttemptNode),
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
}

@ObjectType()
export class WebhookConnection extends Connection(WebhookNode, 'Webhook') {}

@ObjectType()
export class WebhookDeliveryConnection extends Connection(WebhookDeliveryNode, 'WebhookDelivery') {}

@InputType()
export class CreateWebhookInput {
  @Field(() => String, {
    description: 'https:// URL (http:// and private addresses only where the server allows them).',
  })
  url!: string;

  @Field(() => [String], { nullable: true, description: 'Event types to deliver; omitted or empty = all.' })
  eventTypes?: string[] | null;

  @Field(() => ID, { nullable: true })
  organizationId?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType()
export class UpdateWebhookInput {
  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true })
  eventTypes?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'null removes the organization filter; omitted keeps it.' })
  organizationId?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'true re-enables an endpoint dsync disabled.' })
  enabled?: boolean | null;
}

@InputType()
export class WebhookDeliveryFilter {
  @Field(() => DeliveryStatus, { nullable: true })
  status?: DeliveryStatus | null;

  @Field(() => String, { nullable: true })
  eventType?: string | null;
}

@ArgsType()
export class DeliveriesArgs extends PageArgs {
  @Field(() => WebhookDeliveryFilter, { nullable: true })
  filter?: WebhookDeliveryFilter | null;
}

import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';

import { pageSize, paginate } from '../../db/pagination.js';
import { InvalidInputError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { WebhookEndpoint } from '../../webhooks/webhook.entity.js';
import {
  createWebhook,
  deleteWebhook,
  findWebhookOrFail,
  listDeliveries,
  redeliverEvent,
  replayEvents,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
} from '../../webhooks/webhook.service.js';
import { PageArgs, toConnection } from '../connection.js';
import type { GraphQLContext } from '../context.js';
import { vendorOf } from '../policy.js';
import { DateTimeScalar } from '../scalars.js';
import {
  CreateWebhookInput,
  DeliveriesArgs,
  toAttemptNode,
  toDeliveryNode,
  toWebhookNode,
  UpdateWebhookInput,
  WebhookConnection,
  WebhookDeliveryAttemptNode,
  WebhookDeliveryConnection,
  WebhookDeliveryNode,
  WebhookNode,
  WebhookWithSecret,
} from './webhook.type.js';

@Resolver(() => WebhookNode)
export class WebhookResolver {
  @Query(() => WebhookConnection, { description: 'Webhook endpoints of your environment.' })
  async webhooks(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<WebhookConnection> {
    return toConnection(
      await paginate(ctx.em, WebhookEndpoint, { environmentId: vendorOf(ctx.viewer).environmentId }, page),
      toWebhookNode,
    );
  }

  @Query(() => WebhookNode, { nullable: true, description: 'NOT_FOUND when no such webhook is in your environment.' })
  async webhook(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<WebhookNode> {
    return toWebhookNode(await findWebhookOrFail(ctx.em, vendorOf(ctx.viewer).environmentId, id));
  }

  @FieldResolver(() => WebhookDeliveryConnection, { description: 'Delivery log, newest first.' })
  async deliveries(
    @Root() webhook: WebhookNode,
    @Args(() => DeliveriesArgs) args: DeliveriesArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookDeliveryConnection> {
    const first = pageSize(args.first);
    if (args.after && !isUuid(args.after))
      throw new InvalidInputError('after is not a cursor returned by this API', 'after');
    const page = await listDeliveries(ctx.em, webhook.id, args.filter ?? {}, first, args.after ?? null);
    return toConnection(
      { ...page, hasPreviousPage: Boolean(args.after), cursorOf: (delivery) => delivery.id },
      toDeliveryNode,
    );
  }

  @Mutation(() => WebhookWithSecret, { description: 'The signing secret is returned once.' })
  async createWebhook(
    @Arg('input', () => CreateWebhookInput) input: CreateWebhookInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookWithSecret> {
    const created = await createWebhook(ctx.em, vendorOf(ctx.viewer).environmentId, input, ctx.webhooks);
    return { webhook: toWebhookNode(created.webhook), secret: created.secret };
  }

  @Mutation(() => WebhookNode)
  async updateWebhook(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookInput) input: UpdateWebhookInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookNode> {
    return toWebhookNode(await updateWebhook(ctx.em, vendorOf(ctx.viewer).environmentId, id, input, ctx.webhooks));
  }

  @Mutation(() => WebhookWithSecret, { description: 'A new signing secret, returned once; the old one stops at once.' })
  async rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<WebhookWithSecret> {
    const rotated = await rotateWebhookSecret(ctx.em, vendorOf(ctx.viewer).environmentId, id, ctx.webhooks);
    return { webhook: toWebhookNode(rotated.webhook), secret: rotated.secret };
  }

  @Mutation(() => ID, { description: 'Deletes the endpoint and its delivery log; queued deliveries are dropped.' })
  async deleteWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    await deleteWebhook(ctx.em, vendorOf(ctx.viewer).environmentId, id);
    return id;
  }

  @Mutation(() => WebhookDeliveryAttemptNode, {
    description: 'Sends a webhook.test event now and returns the attempt.',
  })
  async testWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<WebhookDeliveryAttemptNode> {
    const webhook = await findWebhookOrFail(ctx.em, vendorOf(ctx.viewer).environmentId, id);
    return toAttemptNode(await sendTestEvent(webhook, ctx.webhooks));
  }

  @Mutation(() => WebhookDeliveryNode, { description: 'Queues one event for this endpoint again.' })
  async redeliverEvent(
    @Arg('webhookId', () => ID) webhookId: string,
    @Arg('eventId', () => ID) eventId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookDeliveryNode> {
    return toDeliveryNode(
      await redeliverEvent(ctx.em, ctx.events.sql, vendorOf(ctx.viewer).environmentId, webhookId, eventId),
    );
  }

  @Mutation(() => Int, {
    description:
      'Queues every matching event created in [since, until) (at most 10,000; events already pending are skipped). Returns how many.',
  })
  async replayEvents(
    @Arg('webhookId', () => ID) webhookId: string,
    @Arg('since', () => DateTimeScalar) since: Date,
    @Arg('until', () => DateTimeScalar, { nullable: true }) until: Date | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<number> {
    return replayEvents(ctx.em, vendorOf(ctx.viewer).environmentId, webhookId, since, until ?? null);
  }
}

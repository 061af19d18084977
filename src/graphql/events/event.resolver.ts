import { Arg, Args, Ctx, ID, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';

import { pageSize } from '../../db/pagination.js';
import {
  checkEventFilter,
  countEvents,
  findEvent,
  hasEventsOf,
  positionAfterEvent,
  positionAfterSequence,
  readEventsAfter,
  type EventFilter as EventQuery,
} from '../../events/event-log.js';
import { toPublicEvent, type DirectoryEvent } from '../../events/event-types.js';
import { EventStream } from '../../events/stream.js';
import { InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { findDirectoryOrFail } from '../../tenancy/directory.service.js';
import { findOrganizationOrFail } from '../../tenancy/organization.service.js';
import { PageArgs, toConnection } from '../connection.js';
import type { GraphQLContext } from '../context.js';
import { EventConnection, EventFilter, EventNode, ProvisioningEventsArgs } from './event.type.js';

/**
 * The organization and directory a filter names must be in the caller's environment (or have been, for the
 * history of deleted ones); anything else is NOT_FOUND, never a hint that it exists elsewhere.
 */
async function checkScope(ctx: GraphQLContext, filter: EventQuery): Promise<void> {
  checkEventFilter(filter);
  const environmentId = ctx.viewer.environmentId;
  if (filter.organizationId) {
    const organizationId = filter.organizationId;
    await findOrganizationOrFail(ctx.em, environmentId, organizationId).catch(async (error: unknown) => {
      if (!(error instanceof NotFoundError) || !(await hasEventsOf(ctx.events.sql, environmentId, { organizationId })))
        throw error;
    });
  }
  if (filter.directoryId) {
    const directoryId = filter.directoryId;
    await findDirectoryOrFail(ctx.em, environmentId, directoryId).catch(async (error: unknown) => {
      if (!(error instanceof NotFoundError) || !(await hasEventsOf(ctx.events.sql, environmentId, { directoryId })))
        throw error;
    });
  }
}

function retentionCutoff(ctx: GraphQLContext): Date {
  return new Date(Date.now() - ctx.events.retentionDays * 86_400_000);
}

async function resumePosition(ctx: GraphQLContext, args: ProvisioningEventsArgs): Promise<number | undefined> {
  const hasSequence = args.afterSequence !== null && args.afterSequence !== undefined;
  if (args.after && hasSequence) throw new InvalidInputError('give either after or afterSequence, not both', 'after');
  if (args.after) return positionAfterEvent(ctx.events.sql, ctx.viewer.environmentId, args.after, retentionCutoff(ctx));
  if (hasSequence) {
    if (!args.directoryId)
      throw new InvalidInputError('afterSequence needs directoryId: sequences count per directory', 'afterSequence');
    return positionAfterSequence(ctx.events.sql, args.directoryId, args.afterSequence as number);
  }
  return undefined;
}

@Resolver(() => EventNode)
export class EventResolver {
  @Query(() => EventConnection, { description: 'Committed events of your environment, oldest first (commit order).' })
  async events(
    @Arg('filter', () => EventFilter, { nullable: true }) filter: EventFilter | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<EventConnection> {
    const query: EventQuery = { ...filter, environmentId: ctx.viewer.environmentId };
    await checkScope(ctx, query);
    const first = pageSize(page.first);
    const after = page.after
      ? await positionAfterEvent(ctx.events.sql, ctx.viewer.environmentId, page.after, retentionCutoff(ctx))
      : 0;
    const [rows, totalCount] = await Promise.all([
      readEventsAfter(ctx.events.sql, query, after, first + 1),
      countEvents(ctx.events.sql, query),
    ]);
    const items = rows.slice(0, first);
    // Cursors are event ids, so `after` also takes an id from a subscription or a webhook.
    return toConnection(
      {
        items,
        totalCount,
        hasNextPage: rows.length > first,
        hasPreviousPage: after > 0,
        cursorOf: (event) => event.id,
      },
      toPublicEvent,
    );
  }

  @Query(() => EventNode, { nullable: true, description: 'NOT_FOUND when no such event is in your environment.' })
  async event(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<EventNode> {
    return toPublicEvent(await findEvent(ctx.events.sql, ctx.viewer.environmentId, id));
  }

  @Subscription(() => EventNode, {
    description:
      'Provisioning events as they commit, in commit order. With after/afterSequence: first the missed ones, then live, ' +
      'without gaps or duplicates. A subscriber that falls too far behind is disconnected with close code 4290; resume with after.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, ProvisioningEventsArgs, GraphQLContext>) => {
      const filter: EventQuery = {
        environmentId: context.viewer.environmentId,
        organizationId: args.organizationId,
        directoryId: args.directoryId,
        types: args.types,
      };
      await checkScope(context, filter);
      const after = await resumePosition(context, args);
      const { relay, sql, bufferLimit, onLiveEvent } = context.events;
      return new EventStream({
        relay,
        filter,
        after,
        bufferLimit,
        readAfter: (f, position, limit) => readEventsAfter(sql, f, position, limit),
        onOverflow: () => context.connection?.closeSlow(),
        ...(onLiveEvent ? { onLiveEvent } : {}),
      });
    },
  })
  provisioningEvents(
    @Root() event: DirectoryEvent,
    @Args(() => ProvisioningEventsArgs) _args: ProvisioningEventsArgs,
  ): EventNode {
    return toPublicEvent(event);
  }
}

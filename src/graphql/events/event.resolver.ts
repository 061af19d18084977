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
import { unauthenticated } from '../errors.js';
import { sessionExpired } from '../policy.js';
import { EventConnection, EventFilter, EventNode, ProvisioningEventsArgs } from './event.type.js';

/**
 * The filter a caller asked for, checked and limited to its scope: an admin reads only their organization's
 * events (naming another organization is NOT_FOUND). The organization and directory a filter names must be
 * in the scope (or have been, for the history of deleted ones); anything else is NOT_FOUND, never a hint that
 * it exists elsewhere.
 */
async function scopedFilter(ctx: GraphQLContext, asked: Omit<EventQuery, 'environmentId'>): Promise<EventQuery> {
  const scope = ctx.scope();
  const { environmentId } = scope;
  const within = scope.organizationId ?? null;
  checkEventFilter({ ...asked, environmentId });
  if (within && asked.organizationId && asked.organizationId !== within)
    throw new NotFoundError('Organization', asked.organizationId);
  const filter: EventQuery = { ...asked, environmentId, organizationId: within ?? asked.organizationId };
  if (filter.organizationId) {
    const organizationId = filter.organizationId;
    await findOrganizationOrFail(ctx.em, scope, organizationId).catch(async (error: unknown) => {
      if (
        !(error instanceof NotFoundError) ||
        !(await hasEventsOf(ctx.events.sql, environmentId, { organizationId }, within))
      )
        throw error;
    });
  }
  if (filter.directoryId) {
    const directoryId = filter.directoryId;
    await findDirectoryOrFail(ctx.em, scope, directoryId).catch(async (error: unknown) => {
      if (
        !(error instanceof NotFoundError) ||
        !(await hasEventsOf(ctx.events.sql, environmentId, { directoryId }, within))
      )
        throw error;
    });
  }
  return filter;
}

/** The commit position after event `eventId` of the caller's scope. */
function positionAfter(ctx: GraphQLContext, eventId: string): Promise<number> {
  const { environmentId, organizationId } = ctx.scope();
  return positionAfterEvent(ctx.events.sql, environmentId, eventId, retentionCutoff(ctx), organizationId ?? null);
}

function retentionCutoff(ctx: GraphQLContext): Date {
  return new Date(Date.now() - ctx.events.retentionDays * 86_400_000);
}

async function resumePosition(ctx: GraphQLContext, args: ProvisioningEventsArgs): Promise<number | undefined> {
  const hasSequence = args.afterSequence !== null && args.afterSequence !== undefined;
  if (args.after && hasSequence) throw new InvalidInputError('give either after or afterSequence, not both', 'after');
  if (args.after) return positionAfter(ctx, args.after);
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
    const query = await scopedFilter(ctx, { ...filter });
    const first = pageSize(page.first);
    const after = page.after ? await positionAfter(ctx, page.after) : 0;
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
    const { environmentId, organizationId } = ctx.scope();
    return toPublicEvent(await findEvent(ctx.events.sql, environmentId, id, organizationId ?? null));
  }

  @Subscription(() => EventNode, {
    description:
      'Provisioning events as they commit, in commit order. With after/afterSequence: first the missed ones, then live, ' +
      'without gaps or duplicates. A subscriber that falls too far behind is disconnected with close code 4290; resume with after.',
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, ProvisioningEventsArgs, GraphQLContext>) => {
      const filter = await scopedFilter(context, {
        organizationId: args.organizationId,
        directoryId: args.directoryId,
        types: args.types,
      });
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
    @Ctx() ctx: GraphQLContext,
  ): EventNode {
    // An admin session that expired while subscribed gets no further event: its socket is closed (4401).
    if (sessionExpired(ctx.viewer, ctx.now())) {
      ctx.connection?.closeExpired();
      throw unauthenticated('admin session expired');
    }
    return toPublicEvent(event);
  }
}

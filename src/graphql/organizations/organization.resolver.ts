import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import {
  createOrganization,
  deleteOrganization,
  findOrganizationOrFail,
  listOrganizations,
  updateOrganization,
} from '../../directory/organization.service.js';
import { paginateArray } from '../../directory/pagination.js';
import { PageArgs, toConnection } from '../connection.js';
import type { GraphQLContext } from '../context.js';
import { DirectoryConnection, toDirectoryNode } from '../directories/directory.type.js';
import { Topic } from '../pubsub.js';
import { OrganizationEvent, OrganizationEventType, type OrganizationEventPayload } from './organization-event.type.js';
import { CreateOrganizationInput, OrganizationFilter, UpdateOrganizationInput } from './organization.inputs.js';
import { OrganizationConnection, OrganizationNode, toOrganizationNode } from './organization.type.js';

function publish(ctx: GraphQLContext, type: OrganizationEventType, organization: OrganizationNode): void {
  ctx.pubSub.publish(Topic.OrganizationEvents, {
    environmentId: ctx.viewer.environmentId,
    type,
    organization,
    occurredAt: new Date(),
  });
}

@Resolver(() => OrganizationNode)
export class OrganizationResolver {
  @Query(() => OrganizationConnection)
  async organizations(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => OrganizationFilter, { nullable: true }) filter: OrganizationFilter | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrganizationConnection> {
    const result = await listOrganizations(ctx.em, ctx.viewer.environmentId, filter ?? {}, page);
    return toConnection(result, toOrganizationNode);
  }

  @Query(() => OrganizationNode, { nullable: true, description: 'NOT_FOUND when no such organization is in your environment.' })
  async organization(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<OrganizationNode> {
    return toOrganizationNode(await findOrganizationOrFail(ctx.em, ctx.viewer.environmentId, id));
  }

  @FieldResolver(() => DirectoryConnection)
  async directories(
    @Root() organization: OrganizationNode,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DirectoryConnection> {
    const directories = await ctx.loaders.directoriesOfOrganization.load(organization.id);
    return toConnection(paginateArray(directories, page), (directory) => toDirectoryNode(directory, ctx.publicUrl));
  }

  @Mutation(() => OrganizationNode)
  async createOrganization(
    @Arg('input', () => CreateOrganizationInput) input: CreateOrganizationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrganizationNode> {
    const node = toOrganizationNode(await createOrganization(ctx.em, ctx.viewer.environmentId, input));
    publish(ctx, OrganizationEventType.CREATED, node);
    return node;
  }

  @Mutation(() => OrganizationNode)
  async updateOrganization(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateOrganizationInput) input: UpdateOrganizationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrganizationNode> {
    const node = toOrganizationNode(await updateOrganization(ctx.em, ctx.viewer.environmentId, id, input));
    publish(ctx, OrganizationEventType.UPDATED, node);
    return node;
  }

  @Mutation(() => ID, { description: 'Deletes the organization and all of its directories.' })
  async deleteOrganization(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    const node = toOrganizationNode(await deleteOrganization(ctx.em, ctx.viewer.environmentId, id));
    publish(ctx, OrganizationEventType.DELETED, node);
    return id;
  }

  @Subscription(() => OrganizationEvent, {
    topics: Topic.OrganizationEvents,
    filter: ({ payload, context }: { payload: OrganizationEventPayload; context: GraphQLContext }) =>
      payload.environmentId === context.viewer.environmentId,
    description: 'Organization changes in your environment. A placeholder until provisioning events exist.',
  })
  organizationEvents(@Root() payload: OrganizationEventPayload): OrganizationEvent {
    return { type: payload.type, organization: payload.organization, occurredAt: payload.occurredAt };
  }
}

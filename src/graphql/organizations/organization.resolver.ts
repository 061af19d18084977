import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';

import { paginateArray } from '../../db/pagination.js';
import { notifyAdminSessionsEnded } from '../../events/notify.js';
import {
  createOrganization,
  deleteOrganization,
  findOrganizationOrFail,
  listOrganizations,
  updateOrganization,
} from '../../tenancy/organization.service.js';
import { PageArgs, toConnection } from '../connection.js';
import type { GraphQLContext } from '../context.js';
import { DirectoryConnection, toDirectoryNode } from '../directories/directory.type.js';
import { vendorOf } from '../policy.js';
import { JSONObjectScalar } from '../scalars.js';
import { CreateOrganizationInput, OrganizationFilter, UpdateOrganizationInput } from './organization.inputs.js';
import { OrganizationConnection, OrganizationNode, toOrganizationNode } from './organization.type.js';

@Resolver(() => OrganizationNode)
export class OrganizationResolver {
  @Query(() => OrganizationConnection)
  async organizations(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => OrganizationFilter, { nullable: true }) filter: OrganizationFilter | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrganizationConnection> {
    const result = await listOrganizations(ctx.em, ctx.scope(), filter ?? {}, page);
    return toConnection(result, toOrganizationNode);
  }

  @Query(() => OrganizationNode, {
    nullable: true,
    description: 'NOT_FOUND when no such organization is in your environment.',
  })
  async organization(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<OrganizationNode> {
    return toOrganizationNode(await findOrganizationOrFail(ctx.em, ctx.scope(), id));
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

  /** The vendor's records (plans, internal notes, billing ids) are not the customer admin's to read. */
  @FieldResolver(() => JSONObjectScalar)
  metadata(@Root() organization: OrganizationNode, @Ctx() ctx: GraphQLContext): Record<string, unknown> {
    return ctx.viewer.kind === 'apiKey' ? organization.metadata : {};
  }

  @Mutation(() => OrganizationNode)
  async createOrganization(
    @Arg('input', () => CreateOrganizationInput) input: CreateOrganizationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrganizationNode> {
    return toOrganizationNode(await createOrganization(ctx.em, vendorOf(ctx.viewer).environmentId, input));
  }

  @Mutation(() => OrganizationNode)
  async updateOrganization(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateOrganizationInput) input: UpdateOrganizationInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrganizationNode> {
    return toOrganizationNode(await updateOrganization(ctx.em, vendorOf(ctx.viewer).environmentId, id, input));
  }

  @Mutation(() => ID, {
    description:
      "Deletes the organization with its directories and admins; its admins' open WebSockets are closed with 4401.",
  })
  async deleteOrganization(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    const deleted = await deleteOrganization(ctx.em, vendorOf(ctx.viewer).environmentId, id);
    await notifyAdminSessionsEnded(ctx.em, deleted.endedSessionIds, 'organization_deleted');
    return id;
  }
}

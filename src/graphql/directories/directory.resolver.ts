import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';

import { NotFoundError } from '../../lib/errors.js';
import {
  createDirectory,
  deleteDirectory,
  findDirectoryOrFail,
  rotateDirectoryToken,
  updateDirectory,
  type DirectoryWithToken as DirectoryAndToken,
} from '../../tenancy/directory.service.js';
import { PageArgs, toConnection } from '../connection.js';
import type { GraphQLContext } from '../context.js';
import { OrganizationNode, toOrganizationNode } from '../organizations/organization.type.js';
import { vendorOf } from '../policy.js';
import { CreateDirectoryInput, UpdateDirectoryInput } from './directory.inputs.js';
import { DirectoryNode, DirectoryUpdateResult, DirectoryWithToken, toDirectoryNode } from './directory.type.js';
import { DirectoryHealthNode } from './health.type.js';
import { listRequestLog } from './request-log.read.js';
import { RequestLogConnection, RequestLogFilter, toRequestLogEntryNode } from './request-log.type.js';

function withToken(ctx: GraphQLContext, result: DirectoryAndToken): DirectoryWithToken {
  return { directory: toDirectoryNode(result.directory, ctx.publicUrl), token: result.token };
}

@Resolver(() => DirectoryNode)
export class DirectoryResolver {
  @Query(() => DirectoryNode, {
    nullable: true,
    description: 'NOT_FOUND when no such directory is in your environment.',
  })
  async directory(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DirectoryNode> {
    return toDirectoryNode(await findDirectoryOrFail(ctx.em, ctx.scope(), id), ctx.publicUrl);
  }

  @FieldResolver(() => OrganizationNode)
  async organization(@Root() directory: DirectoryNode, @Ctx() ctx: GraphQLContext): Promise<OrganizationNode> {
    const organization = await ctx.loaders.organization.load(directory.organizationId);
    if (!organization) throw new NotFoundError('Organization', directory.organizationId);
    return toOrganizationNode(organization);
  }

  @FieldResolver(() => RequestLogConnection, {
    description:
      'The latest SCIM requests to this directory, newest first (SCIM_REQUEST_LOG_SIZE per directory, ' +
      'SCIM_REQUEST_LOG_DAYS days), including those that failed authentication. Written within about a second.',
  })
  async requestLog(
    @Root() directory: DirectoryNode,
    @Arg('filter', () => RequestLogFilter, { nullable: true }) filter: RequestLogFilter | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RequestLogConnection> {
    const result = await listRequestLog(ctx.em, ctx.sql, ctx.scope(), directory.id, filter ?? {}, page);
    return toConnection(result, toRequestLogEntryNode);
  }

  @FieldResolver(() => DirectoryHealthNode, {
    description:
      'Whether the IdP is connected and healthy: latest requests and errors, traffic of the last 24 hours, size. ' +
      'Batched: a page of directories asks the database twice, not twice per directory.',
  })
  health(@Root() directory: DirectoryNode, @Ctx() ctx: GraphQLContext): Promise<DirectoryHealthNode> {
    return ctx.loaders.directoryHealth.load(directory.id);
  }

  @Mutation(() => DirectoryWithToken, { description: 'Creates a directory and returns its SCIM bearer token once.' })
  async createDirectory(
    @Arg('input', () => CreateDirectoryInput) input: CreateDirectoryInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DirectoryWithToken> {
    return withToken(ctx, await createDirectory(ctx.em, ctx.scope(), input));
  }

  @Mutation(() => DirectoryUpdateResult)
  async updateDirectory(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateDirectoryInput) input: UpdateDirectoryInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DirectoryUpdateResult> {
    const result = await updateDirectory(ctx.em, ctx.scope(), id, input);
    return { directory: toDirectoryNode(result.directory, ctx.publicUrl), token: result.token };
  }

  @Mutation(() => DirectoryWithToken, { description: 'Issues a new bearer token; the old one stops working at once.' })
  async rotateDirectoryToken(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DirectoryWithToken> {
    return withToken(ctx, await rotateDirectoryToken(ctx.em, ctx.scope(), id));
  }

  @Mutation(() => ID)
  async deleteDirectory(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    await deleteDirectory(ctx.em, { environmentId: vendorOf(ctx.viewer).environmentId }, id);
    return id;
  }
}

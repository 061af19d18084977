import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';

import { PageArgs, toConnection } from '../connection.js';
import type { GraphQLContext } from '../context.js';
import {
  findDirectoryGroupOrFail,
  findDirectoryUserOrFail,
  listDirectoryGroups,
  listDirectoryUsers,
} from './directory-data.read.js';
import {
  DirectoryGroupConnection,
  DirectoryGroupFilter,
  DirectoryGroupNode,
  DirectoryUserConnection,
  DirectoryUserFilter,
  DirectoryUserNode,
  toDirectoryGroupNode,
  toDirectoryUserNode,
} from './directory-data.type.js';

@Resolver(() => DirectoryUserNode)
export class DirectoryUserResolver {
  @Query(() => DirectoryUserConnection, { description: 'Users of a directory in your environment.' })
  async directoryUsers(
    @Arg('directoryId', () => ID) directoryId: string,
    @Arg('filter', () => DirectoryUserFilter, { nullable: true }) filter: DirectoryUserFilter | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DirectoryUserConnection> {
    const result = await listDirectoryUsers(ctx.em, ctx.sql, ctx.scope(), directoryId, filter ?? {}, page);
    return toConnection(result, toDirectoryUserNode);
  }

  @Query(() => DirectoryUserNode, {
    nullable: true,
    description: 'NOT_FOUND when no such user is in your environment.',
  })
  async directoryUser(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DirectoryUserNode> {
    return toDirectoryUserNode(await findDirectoryUserOrFail(ctx.sql, ctx.scope(), id));
  }

  @FieldResolver(() => DirectoryGroupConnection)
  async groups(
    @Root() user: DirectoryUserNode,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DirectoryGroupConnection> {
    return toConnection(
      await ctx.loaders.groupsOfUser.load({ id: user.id, first: page.first, after: page.after }),
      toDirectoryGroupNode,
    );
  }
}

@Resolver(() => DirectoryGroupNode)
export class DirectoryGroupResolver {
  @Query(() => DirectoryGroupConnection, { description: 'Groups of a directory in your environment.' })
  async directoryGroups(
    @Arg('directoryId', () => ID) directoryId: string,
    @Arg('filter', () => DirectoryGroupFilter, { nullable: true }) filter: DirectoryGroupFilter | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DirectoryGroupConnection> {
    const result = await listDirectoryGroups(ctx.em, ctx.sql, ctx.scope(), directoryId, filter ?? {}, page);
    return toConnection(result, toDirectoryGroupNode);
  }

  @Query(() => DirectoryGroupNode, {
    nullable: true,
    description: 'NOT_FOUND when no such group is in your environment.',
  })
  async directoryGroup(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DirectoryGroupNode> {
    return toDirectoryGroupNode(await findDirectoryGroupOrFail(ctx.sql, ctx.scope(), id));
  }

  @FieldResolver(() => DirectoryUserConnection)
  async members(
    @Root() group: DirectoryGroupNode,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<DirectoryUserConnection> {
    return toConnection(
      await ctx.loaders.membersOfGroup.load({ id: group.id, first: page.first, after: page.after }),
      toDirectoryUserNode,
    );
  }
}

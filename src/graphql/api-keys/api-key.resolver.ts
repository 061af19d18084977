import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';

import { notifyApiKeyRevoked } from '../../events/notify.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../tenancy/api-key.service.js';
import { PageArgs, toConnection } from '../connection.js';
import type { GraphQLContext } from '../context.js';
import { vendorOf } from '../policy.js';
import { ApiKeyConnection, ApiKeyNode, ApiKeyWithSecret, toApiKeyNode } from './api-key.type.js';

@Resolver(() => ApiKeyNode)
export class ApiKeyResolver {
  @Query(() => ApiKeyConnection, { description: 'API keys of your environment, revoked ones included.' })
  async apiKeys(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<ApiKeyConnection> {
    return toConnection(await listApiKeys(ctx.em, vendorOf(ctx.viewer).environmentId, page), toApiKeyNode);
  }

  @Mutation(() => ApiKeyWithSecret, { description: 'A new key for your environment; the secret is returned once.' })
  async createApiKey(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Promise<ApiKeyWithSecret> {
    const created = await createApiKey(ctx.em, vendorOf(ctx.viewer).environmentId, name);
    return { apiKey: toApiKeyNode(created.apiKey), secret: created.secret };
  }

  @Mutation(() => ApiKeyNode, {
    description: 'Revokes a key; requests with it fail from now on, and its open WebSockets are closed with 4401.',
  })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiKeyNode> {
    const revoked = await revokeApiKey(ctx.em, vendorOf(ctx.viewer).environmentId, id);
    await notifyApiKeyRevoked(ctx.em, revoked.id);
    return toApiKeyNode(revoked);
  }
}

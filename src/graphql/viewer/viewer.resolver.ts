import { Ctx, Query, Resolver } from 'type-graphql';

import { findApiKeyOrFail } from '../../tenancy/api-key.service.js';
import { toApiKeyNode } from '../api-keys/api-key.type.js';
import type { GraphQLContext } from '../context.js';
import { Viewer } from './viewer.type.js';

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer)
  async viewer(@Ctx() ctx: GraphQLContext): Promise<Viewer> {
    const apiKey = await findApiKeyOrFail(ctx.em, ctx.viewer.environmentId, ctx.viewer.apiKeyId);
    return {
      environment: { id: ctx.viewer.environmentId, name: ctx.viewer.environmentName },
      apiKey: toApiKeyNode(apiKey),
    };
  }
}

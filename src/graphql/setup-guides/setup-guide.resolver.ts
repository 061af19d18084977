import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';

import { DirectoryProvider } from '../../tenancy/directory.entity.js';
import { findDirectoryOrFail } from '../../tenancy/directory.service.js';
import { setupGuide } from '../../tenancy/setup-guides.js';
import type { GraphQLContext } from '../context.js';
import { scimBaseUrl } from '../directories/directory.type.js';
import { SetupGuide } from './setup-guide.type.js';

@Resolver(() => SetupGuide)
export class SetupGuideResolver {
  @Query(() => SetupGuide, {
    description:
      "Step-by-step SCIM setup for an identity provider. With directoryId, filled with that directory's SCIM " +
      'base URL (NOT_FOUND when no such directory is in your environment); otherwise with placeholders.',
  })
  async setupGuide(
    @Arg('provider', () => DirectoryProvider) provider: DirectoryProvider,
    @Arg('directoryId', () => ID, { nullable: true }) directoryId: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SetupGuide> {
    if (directoryId === null || directoryId === undefined) return setupGuide(provider);
    const directory = await findDirectoryOrFail(ctx.em, ctx.scope(), directoryId);
    return setupGuide(provider, {
      name: directory.name,
      scimBaseUrl: scimBaseUrl(ctx.publicUrl, directory.id),
    });
  }
}

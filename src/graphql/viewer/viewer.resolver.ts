import { Ctx, Query, Resolver } from 'type-graphql';

import { findAdminOrFail } from '../../tenancy/admin.service.js';
import { findApiKeyOrFail } from '../../tenancy/api-key.service.js';
import { findOrganizationOrFail } from '../../tenancy/organization.service.js';
import { toAdminNode } from '../admins/admin.type.js';
import { toApiKeyNode } from '../api-keys/api-key.type.js';
import type { GraphQLContext } from '../context.js';
import { toOrganizationNode } from '../organizations/organization.type.js';
import { scopeOf, vendorOf } from '../policy.js';
import { Viewer } from './viewer.type.js';

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer)
  async viewer(@Ctx() ctx: GraphQLContext): Promise<Viewer> {
    const viewer = ctx.viewer;
    if (viewer.kind === 'admin') {
      const scope = scopeOf(viewer);
      const [admin, organization] = await Promise.all([
        findAdminOrFail(ctx.em, scope, viewer.adminId),
        findOrganizationOrFail(ctx.em, scope, viewer.organizationId),
      ]);
      return {
        environment: { id: viewer.environmentId, name: viewer.environmentName },
        apiKey: null,
        admin: toAdminNode(admin),
        organization: toOrganizationNode(organization),
      };
    }
    const vendor = vendorOf(viewer);
    const apiKey = await findApiKeyOrFail(ctx.em, vendor.environmentId, vendor.apiKeyId);
    return {
      environment: { id: vendor.environmentId, name: vendor.environmentName },
      apiKey: toApiKeyNode(apiKey),
      admin: null,
      organization: null,
    };
  }
}

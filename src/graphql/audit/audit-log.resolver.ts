import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Info, Query, Resolver } from 'type-graphql';

import { checkAuditLogFilter, listAuditEntries, type AuditLogFilter as AuditQuery } from '../../audit/audit-log.js';
import { PageArgs, toConnection } from '../connection.js';
import type { GraphQLContext } from '../context.js';
import { AuditLogConnection, AuditLogEntryNode, AuditLogFilter, toAuditLogEntryNode } from './audit-log.type.js';

@Resolver(() => AuditLogEntryNode)
export class AuditLogResolver {
  @Query(() => AuditLogConnection, {
    description: 'Mutations called in your environment (an admin: in their organization), newest first.',
  })
  async auditLog(
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter: AuditLogFilter | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<AuditLogConnection> {
    const scope = ctx.scope();
    const query: AuditQuery = {
      ...filter,
      environmentId: scope.environmentId,
      scopeOrganizationId: scope.organizationId,
    };
    checkAuditLogFilter(query, new Set(Object.keys(info.schema.getMutationType()?.getFields() ?? {})));
    return toConnection(await listAuditEntries(ctx.sql, query, page), (entry) =>
      toAuditLogEntryNode(entry, ctx.viewer),
    );
  }
}

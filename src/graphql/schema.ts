import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';

import { AdminResolver, OrganizationAdminsResolver } from './admins/admin.resolver.js';
import { ApiKeyResolver } from './api-keys/api-key.resolver.js';
import { AuditLogResolver } from './audit/audit-log.resolver.js';
import { auditMutations } from './audit/audit-mutations.js';
import { DirectoryResolver } from './directories/directory.resolver.js';
import { DirectoryGroupResolver, DirectoryUserResolver } from './directory-data/directory-data.resolver.js';
import { EventResolver } from './events/event.resolver.js';
import { OrganizationResolver } from './organizations/organization.resolver.js';
import { DateTimeScalar } from './scalars.js';
import { SetupGuideResolver } from './setup-guides/setup-guide.resolver.js';
import { ViewerResolver } from './viewer/viewer.resolver.js';
import { WebhookResolver } from './webhooks/webhook.resolver.js';

export const resolvers = [
  ViewerResolver,
  OrganizationResolver,
  OrganizationAdminsResolver,
  AdminResolver,
  DirectoryResolver,
  DirectoryUserResolver,
  DirectoryGroupResolver,
  SetupGuideResolver,
  ApiKeyResolver,
  EventResolver,
  WebhookResolver,
  AuditLogResolver,
] as const;

/**
 * type-graphql requires a PubSub as soon as a subscription exists, though ours bring their own `subscribe`
 * (events come from PostgreSQL LISTEN/NOTIFY, not from topics), so topics are refused.
 */
const NO_TOPICS: PubSub = {
  publish() {
    throw new Error('topic pub/sub is not used: subscriptions read the events table');
  },
  subscribe() {
    throw new Error('topic pub/sub is not used: subscriptions read the events table');
  },
};

/** The executable schema; `schema.graphql` is this, printed. Every mutation is audited. */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    pubSub: NO_TOPICS,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // class-validator rules on input types; failures are BAD_USER_INPUT (ArgumentValidationError).
    validate: { forbidUnknownValues: false },
  });
  return auditMutations(schema);
}

import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { ApiKeyResolver } from './api-keys/api-key.resolver.js';
import { DirectoryResolver } from './directories/directory.resolver.js';
import { DirectoryGroupResolver, DirectoryUserResolver } from './directory-data/directory-data.resolver.js';
import { OrganizationResolver } from './organizations/organization.resolver.js';
import type { AppPubSub } from './pubsub.js';
import { DateTimeScalar } from './scalars.js';
import { ViewerResolver } from './viewer/viewer.resolver.js';

export const resolvers = [
  ViewerResolver,
  OrganizationResolver,
  DirectoryResolver,
  DirectoryUserResolver,
  DirectoryGroupResolver,
  ApiKeyResolver,
] as const;

/** The executable schema; `schema.graphql` is this, printed. */
export function buildAppSchema(pubSub: AppPubSub): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    pubSub,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // class-validator rules on input types; failures are BAD_USER_INPUT (ArgumentValidationError).
    validate: { forbidUnknownValues: false },
  });
}

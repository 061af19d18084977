import type { ApolloServerPlugin } from '@apollo/server';

import type { GraphQLContext } from './context.js';
import { authorizeOperation } from './policy.js';

/** Enforces the policy over HTTP, once the operation is known and before any of it runs. */
export function authorizationPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation }) {
          const refused = operation && authorizeOperation(contextValue.viewer, document, operation);
          if (refused) throw refused;
        },
      };
    },
  };
}

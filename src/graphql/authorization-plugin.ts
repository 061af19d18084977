import type { ApolloServerPlugin } from '@apollo/server';
import { OperationTypeNode } from 'graphql';

import { auditRefusedMutations } from './audit/audit-mutations.js';
import type { GraphQLContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { authorizeOperation, rootFields } from './policy.js';

/** Enforces the policy over HTTP, once the operation is known and before any of it runs. */
export function authorizationPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation }) {
          const refused = operation && authorizeOperation(contextValue.viewer, document, operation);
          if (!refused) return;
          if (operation.operation === OperationTypeNode.MUTATION) {
            await auditRefusedMutations(contextValue, rootFields(document, operation), errorCodeOf(refused));
          }
          throw refused;
        },
      };
    },
  };
}

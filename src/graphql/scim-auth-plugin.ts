import type { ApolloServerPlugin } from '@apollo/server';
import { OperationTypeNode } from 'graphql';

import type { ScimAuth } from '../tenancy/scim-auth.js';

/**
 * After a mutation in this process, forgets every cached SCIM token before the response is sent: the caller
 * that rotated a token, changed a provider or switched a directory off sees the old state refused by its
 * next SCIM request. Other processes learn it from the database's notification a moment after the commit.
 */
export function forgetScimAuthAfterMutations<TContext extends object>(auth: ScimAuth): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation }) {
          if (operation?.operation === OperationTypeNode.MUTATION) auth.forget({ kind: 'everything' });
        },
      };
    },
  };
}

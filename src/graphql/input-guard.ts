import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type ValidationRule } from 'graphql';

import { describeJsonProblem, findJsonProblem, isStorableText } from '../lib/json-guard.js';

/**
 * Text PostgreSQL cannot store (NUL, unpaired UTF-16 surrogates) and JSON nested deeper than the limit are
 * refused before any resolver runs, as BAD_USER_INPUT, instead of failing in the database as a 500.
 * String literals in the document are checked by a validation rule, variables by `checkVariables`.
 */
export const storableTextRule: ValidationRule = (context) => ({
  StringValue(node) {
    if (!isStorableText(node.value)) {
      context.reportError(
        new GraphQLError('A string contains a NUL character or an unpaired UTF-16 surrogate', { nodes: [node] }),
      );
    }
  },
});

/** The BAD_USER_INPUT error for variables that cannot be stored, or undefined when they are fine. */
export function checkVariables(variables: unknown): GraphQLError | undefined {
  const problem = findJsonProblem(variables ?? {});
  if (!problem) return undefined;
  return new GraphQLError(`Variables: ${describeJsonProblem(problem).replace('the body', 'the variables')}`, {
    extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
  });
}

/** Applies `checkVariables` to every HTTP operation. */
export function variablesGuardPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request }) {
          const error = checkVariables(request.variables);
          if (error) throw error;
        },
      };
    },
  };
}

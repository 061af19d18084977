import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

import { isDomainError, type DomainErrorCode } from '../lib/errors.js';

/** `extensions.code` for each domain error code: the GraphQL contract. */
const CODES: Record<DomainErrorCode, string> = {
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  invalid_input: 'BAD_USER_INPUT',
  forbidden: 'FORBIDDEN',
  unauthenticated: 'UNAUTHENTICATED',
  expired: 'CURSOR_EXPIRED',
  precondition_failed: 'PRECONDITION_FAILED',
};

/**
 * The `extensions.code` a resolver's thrown error reaches the client with (see {@link createFormatError}):
 * a domain error's code, a GraphQL error's own code, INTERNAL_SERVER_ERROR for anything else.
 */
export function errorCodeOf(error: unknown): string {
  if (isDomainError(error)) return CODES[error.code];
  if (error instanceof GraphQLError) {
    const code = error.extensions['code'];
    if (typeof code === 'string') return code;
    return error.originalError ? errorCodeOf(error.originalError) : 'INTERNAL_SERVER_ERROR';
  }
  return 'INTERNAL_SERVER_ERROR';
}

export function unauthenticated(
  message = 'A valid API key or admin session is required: Authorization: Bearer dsk_… or dsa_…',
): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export interface FormatErrorOptions {
  readonly includeStacktrace: boolean;
  /** Called once for every error that is not a deliberate client error. */
  readonly onInternalError: (error: unknown) => void;
}

/**
 * The one mapping from thrown errors to GraphQL errors (Apollo `formatError` and graphql-ws alike):
 * domain errors get their code and message; GraphQL errors (validation, parsing, BAD_USER_INPUT) pass
 * through; anything else is logged and becomes a generic INTERNAL_SERVER_ERROR.
 */
export function createFormatError({ includeStacktrace, onInternalError }: FormatErrorOptions) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    // Apollo wraps a failure outside resolvers (e.g. "Context creation failed: connect ECONNREFUSED …") in a
    // GraphQLError around the original: judge the original, so its message never reaches the client.
    const unwrapped = unwrapResolverError(error);
    const original =
      unwrapped instanceof GraphQLError && unwrapped.originalError && !(unwrapped.originalError instanceof GraphQLError)
        ? unwrapped.originalError
        : unwrapped;
    if (isDomainError(original)) {
      const field = 'field' in original && typeof original.field === 'string' ? { field: original.field } : {};
      return { ...formatted, message: original.message, extensions: { code: CODES[original.code], ...field } };
    }
    if (original instanceof GraphQLError) {
      if (includeStacktrace) return formatted;
      const { stacktrace: _omit, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    onInternalError(original);
    return {
      message: 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

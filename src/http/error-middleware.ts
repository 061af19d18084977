import type { Middleware } from 'koa';

import { asClientError, type ClientError } from '../lib/client-error.js';
import type { RequestState } from './request-log.js';

/** A message for a client error that says what to fix, without echoing internals. */
function clientErrorMessage(error: ClientError): string {
  if (error.malformedJson) return `Request body is not valid JSON: ${error.message}`;
  if (error.status === 413) return 'Request body is too large (limit 1 MiB)';
  return error.message;
}

/**
 * Top of the chain for non-SCIM routes. Client errors (4xx from body parsing and the like) keep their
 * status with a clear message; anything else is logged once and answered with a generic 500, following
 * Koa's `expose` rule.
 */
export function errorMiddleware(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const client = asClientError(error);
      if (client) {
        ctx.status = client.status;
        ctx.body = { errors: [{ message: clientErrorMessage(client), extensions: { code: 'BAD_REQUEST' } }] };
        return;
      }
      ctx.state.log.error({ err: error }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
    }
  };
}

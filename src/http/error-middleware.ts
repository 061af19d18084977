import type { Middleware } from 'koa';
import type { RequestState } from './request-log.js';

/** An error carrying a 4xx status, as http-errors, raw-body and co-body throw them. */
export function clientErrorStatus(error: unknown): number | undefined {
  if (!(error instanceof Error) || !('status' in error) || typeof error.status !== 'number') return undefined;
  return error.status >= 400 && error.status < 500 ? error.status : undefined;
}

/** A message for a client error that says what to fix, without echoing internals. */
export function clientErrorMessage(status: number, error: Error): string {
  if (error instanceof SyntaxError || ('type' in error && error.type === 'entity.parse.failed')) {
    return `Request body is not valid JSON: ${error.message}`;
  }
  if (status === 413) return 'Request body is too large (limit 1 MiB)';
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
      const status = clientErrorStatus(error);
      if (status !== undefined && error instanceof Error) {
        ctx.status = status;
        ctx.body = { errors: [{ message: clientErrorMessage(status, error), extensions: { code: 'BAD_REQUEST' } }] };
        return;
      }
      ctx.state.log.error({ err: error }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
    }
  };
}

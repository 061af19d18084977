import type { Middleware } from 'koa';
import type { RequestState } from './request-log.js';

function isHttpError(error: unknown): error is { status: number; expose: boolean; message: string } {
  return error instanceof Error && 'status' in error && typeof error.status === 'number' && 'expose' in error;
}

/**
 * Top of the chain for non-SCIM routes. Deliberate client errors (http-errors with `expose`, e.g. a body
 * over the limit) keep their status and message; anything else is logged once and answered with a generic
 * 500, following Koa's `expose` rule.
 */
export function errorMiddleware(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (isHttpError(error) && error.expose) {
        ctx.status = error.status;
        ctx.body = { errors: [{ message: error.message, extensions: { code: 'BAD_REQUEST' } }] };
        return;
      }
      ctx.state.log.error({ err: error }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
    }
  };
}

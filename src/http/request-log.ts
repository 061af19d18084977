import type { Middleware } from 'koa';

import type { Logger } from '../lib/logger.js';
import { requestIdOf } from '../lib/request-id.js';

export interface RequestState {
  requestId: string;
  log: Logger;
}

/**
 * Gives each request an id (`x-request-id`, echoed back) and a child logger, and logs one line when it
 * ends. Only method, path, status and timing are logged: never headers or query strings, which can carry
 * credentials.
 */
export function requestLog(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const requestId = requestIdOf(ctx.get('x-request-id'));
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ requestId });
    ctx.set('x-request-id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      ctx.state.log.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  };
}

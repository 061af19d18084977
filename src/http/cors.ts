import type { Middleware } from 'koa';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = 'authorization, content-type';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * CORS for the routes it is mounted on, for the listed origins only. A preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) from an allowed origin is answered here with 204; every other response to
 * an allowed origin carries `Access-Control-Allow-Origin`. Other origins get no CORS header and fall through
 * (so Apollo's CSRF prevention still answers their preflights). No credentials: the API key is a header.
 */
export function cors(origins: readonly string[]): Middleware {
  const allowed = new Set(origins);
  return async (ctx, next) => {
    if (allowed.size === 0) return void (await next());
    ctx.vary('Origin');
    const origin = ctx.get('origin');
    if (!allowed.has(origin)) return void (await next());
    ctx.set('Access-Control-Allow-Origin', origin);
    if (ctx.method === 'OPTIONS' && ctx.get('access-control-request-method')) {
      ctx.set('Access-Control-Allow-Methods', ALLOWED_METHODS);
      ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
      ctx.status = 204;
      return;
    }
    await next();
  };
}

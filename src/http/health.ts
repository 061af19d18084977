import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/core';

/** `/healthz`: the process answers. `/readyz`: the database answers too. */
export function healthRouter(orm: MikroORM): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await orm.em.getConnection().execute('select 1');
      ctx.body = { status: 'ok', database: 'ok' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', database: 'unreachable' };
    }
  });
  return router;
}

import { RequestContext, type MikroORM } from '@mikro-orm/core';
import type { Middleware } from 'koa';

/** First middleware of the chain: every request gets its own EntityManager (identity map). */
export function requestContext(orm: MikroORM): Middleware {
  return (_ctx, next) => RequestContext.create(orm.em, next);
}

import Router from '@koa/router';
import { RequestContext, type MikroORM } from '@mikro-orm/core';
import type { Context } from 'koa';
import { authenticateDirectoryToken } from '../directory/directory.service.js';
import { parseBearer } from '../lib/secrets.js';
import { ScimError, toScimErrorBody } from './errors.js';

const SCIM_CONTENT_TYPE = 'application/scim+json';

function respondWithError(ctx: Context, error: ScimError): void {
  ctx.status = error.status;
  ctx.type = SCIM_CONTENT_TYPE;
  ctx.body = toScimErrorBody(error);
  if (error.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="dsync SCIM"');
}

/**
 * `/scim/v2/{directoryId}/...`: authenticates the directory's bearer token (same 401 whether the directory
 * exists or not). The resources themselves are not served yet: authenticated requests get 501, so an
 * IdP's "Test connection" fails with a readable reason.
 */
export function scimRouter(orm: MikroORM): Router {
  const router = new Router();
  router.all(['/scim/v2', '/scim/v2/{*rest}'], async (ctx) => {
    const directoryId = ctx.path.split('/')[3] ?? '';
    const token = parseBearer(ctx.get('authorization'));
    const em = RequestContext.getEntityManager() ?? orm.em.fork();
    const directory = token ? await authenticateDirectoryToken(em, directoryId, token) : null;
    if (!directory) {
      respondWithError(ctx, new ScimError(401, 'Missing or invalid bearer token for this directory.'));
      return;
    }
    respondWithError(ctx, new ScimError(501, 'The SCIM resources of this directory are not available yet.'));
  });
  return router;
}

import Router from '@koa/router';

const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * `/scim/v2/...` is reserved for the SCIM 2.0 facade. Until it lands, every request gets an RFC 7644 §3.12
 * error body, so an IdP's "Test connection" fails with a readable reason instead of a 404 page.
 */
export function scimRouter(): Router {
  const router = new Router();
  router.all(['/scim/v2', '/scim/v2/{*rest}'], (ctx) => {
    ctx.status = 501;
    ctx.type = 'application/scim+json';
    ctx.body = { schemas: [SCIM_ERROR], status: '501', detail: 'The SCIM facade is not available yet.' };
  });
  return router;
}

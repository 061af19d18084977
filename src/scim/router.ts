import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Context } from 'koa';

import type { Database } from '../db/sql.js';
import { isStorableText } from '../lib/json-guard.js';
import type { Logger } from '../lib/logger.js';
import { parseBearer } from '../lib/secrets.js';
import { DirectoryState } from '../tenancy/directory.entity.js';
import { markDirectorySynced, scopeOf, type ScimAuth, type ScimTarget } from '../tenancy/scim-auth.js';
import type { ScimRateLimiter } from '../tenancy/scim-rate-limit.js';
import type { ScimRequestLog } from '../tenancy/scim-request-log.js';
import { BULK_MAX_OPERATIONS } from './bulk.handler.js';
import { dispatcher } from './dispatch.js';
import { ScimError, toScimError, toScimErrorBody } from './errors.js';
import { noteScimAuthFailure, noteScimDirectory, recordScimRequests } from './request-recorder.js';
import type { ScimResponse } from './request.js';

const SCIM_CONTENT_TYPE = 'application/scim+json';
const JSON_TYPES = /^application\/(scim\+)?json$/i;

export interface ScimRouterOptions {
  readonly orm: MikroORM;
  /** Plain SQL for the provisioning aggregate (created once, in app wiring). */
  readonly sql: Database;
  readonly publicUrl: string;
  readonly logger: Logger;
  /** Token authentication (cached; see tenancy/scim-auth.ts). */
  readonly auth: ScimAuth;
  /** Per-directory request rate limit; absent = none (SCIM_RATE_LIMIT=0). */
  readonly rateLimit?: ScimRateLimiter | undefined;
  /** The per-directory request log; absent = none (SCIM_REQUEST_LOG_SIZE=0). */
  readonly requestLog?: ScimRequestLog | undefined;
}

interface Route {
  readonly target: ScimTarget;
  /** Path prefix of the SCIM base, e.g. `/scim/v2/<id>` or `/org/acme.com/scim/v2`. */
  readonly base: string;
  readonly resource: string | undefined;
  readonly id: string | undefined;
}

/** `decodeURIComponent` that answers a malformed escape (`%E0%A4%A`) with a 400 instead of a URIError. */
function decodeSegment(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new ScimError(400, 'the request path has a malformed percent-encoding', 'invalidSyntax');
  }
  if (!isStorableText(decoded))
    throw new ScimError(400, 'the request path contains a NUL character or an unpaired surrogate', 'invalidSyntax');
  return decoded;
}

function route(path: string): Route | undefined {
  const direct = /^\/scim\/v2\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?\/?$/.exec(path);
  if (direct?.[1]) {
    return {
      target: { directoryId: direct[1] },
      base: `/scim/v2/${direct[1]}`,
      resource: direct[2],
      id: decodeSegment(direct[3]),
    };
  }
  const alias = /^\/org\/([^/]+)\/scim\/v2(?:\/([^/]+))?(?:\/([^/]+))?\/?$/.exec(path);
  if (alias?.[1]) {
    const domain = decodeSegment(alias[1]) ?? '';
    return {
      target: { organizationDomain: domain },
      base: `/org/${alias[1]}/scim/v2`,
      resource: alias[2],
      id: decodeSegment(alias[3]),
    };
  }
  return undefined;
}

/** PostgreSQL's query_canceled, which statement_timeout raises. */
function isStatementTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '57014';
}

function respond(ctx: Context, response: ScimResponse): void {
  ctx.status = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) ctx.set(name, value);
  if (response.body !== undefined) {
    ctx.type = SCIM_CONTENT_TYPE;
    ctx.body = response.body;
  }
}

function respondWithError(ctx: Context, error: ScimError): void {
  respond(ctx, { status: error.status, body: toScimErrorBody(error) });
  if (error.status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="dsync SCIM"');
}

/**
 * The SCIM 2.0 facade (RFC 7644) at `/scim/v2/{directoryId}` and `/org/{domain}/scim/v2`: authenticate the
 * directory's bearer token, parse the body, hand a `ScimRequest` to a handler, map the result or error.
 */
export function scimRouter({ orm, sql, publicUrl, logger, auth, rateLimit, requestLog }: ScimRouterOptions): Router {
  const router = new Router();
  const parseBody = bodyParser({
    enableTypes: ['json'],
    extendTypes: { json: ['application/json', SCIM_CONTENT_TYPE] },
    jsonLimit: '1mb',
    jsonStrict: true,
  });

  const paths = ['/scim/v2/{*rest}', '/org/:domain/scim/v2', '/org/:domain/scim/v2/{*rest}'];
  router.all(paths, recordScimRequests(requestLog), async (ctx) => {
    try {
      const target = route(ctx.path);
      if (!target) throw new ScimError(404, 'no such SCIM endpoint');
      const token = parseBearer(ctx.get('authorization'));
      const fork = () => orm.em.fork();
      const directory = token ? await auth.authenticate(fork, target.target, token) : null;
      if (!directory) {
        noteScimAuthFailure(ctx, target.target, token);
        throw new ScimError(401, 'Missing or invalid bearer token for this directory.');
      }
      noteScimDirectory(ctx, directory.id);
      if (directory.state === DirectoryState.INACTIVE) {
        throw new ScimError(
          403,
          'This directory is inactive: its owner has switched provisioning off. Ask them to turn it back on.',
        );
      }
      // Rate limit: after authentication, so that nobody without the token can spend a directory's budget.
      const retryAfter = rateLimit ? await rateLimit.take(directory.id) : undefined;
      if (retryAfter !== undefined) {
        respondWithError(ctx, new ScimError(429, `Too many requests for this directory; retry in ${retryAfter} s.`));
        ctx.set('Retry-After', String(retryAfter));
        return;
      }
      await markDirectorySynced(fork, directory);

      const query = Object.fromEntries(
        Object.entries(ctx.query).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]),
      );
      if (
        Object.entries(query).some(
          ([key, value]) => !isStorableText(key) || (value !== undefined && !isStorableText(value)),
        )
      ) {
        throw new ScimError(400, 'a query parameter contains a NUL character or an unpaired surrogate', 'invalidValue');
      }
      const method = ctx.method.toUpperCase();
      if (['POST', 'PUT', 'PATCH'].includes(method)) {
        if (!JSON_TYPES.test(ctx.request.type)) {
          throw new ScimError(415, `send the body as ${SCIM_CONTENT_TYPE} (or application/json)`);
        }
        await parseBody(ctx, async () => undefined);
      }
      const dispatch = dispatcher({
        logger: (ctx.state['log'] as Logger | undefined) ?? logger,
        charge: rateLimit && ((tokens) => rateLimit.take(directory.id, tokens - 1)),
        maxOperations: rateLimit ? Math.min(BULK_MAX_OPERATIONS, rateLimit.burst) : BULK_MAX_OPERATIONS,
      });
      const response = await dispatch(target.resource, {
        sql,
        directoryId: directory.id,
        scope: scopeOf(directory),
        baseUrl: `${publicUrl}${target.base}`,
        method,
        id: target.id,
        query,
        body: ctx.request.body,
        preconditions: { ifMatch: ctx.headers['if-match'], ifNoneMatch: ctx.headers['if-none-match'] },
      });
      respond(ctx, response);
    } catch (error) {
      const scimError = toScimError(error);
      if (scimError) {
        respondWithError(ctx, scimError);
        return;
      }
      if (isStatementTimeout(error)) {
        // The database is busy (a statement ran past DATABASE_STATEMENT_TIMEOUT_MS): nothing was written; retry.
        ((ctx.state['log'] as Logger | undefined) ?? logger).warn('SCIM request hit the statement timeout');
        respondWithError(ctx, new ScimError(503, 'The directory store is busy; retry this request later.'));
        ctx.set('Retry-After', '5');
        return;
      }
      ((ctx.state['log'] as Logger | undefined) ?? logger).error({ err: error }, 'SCIM request failed');
      respondWithError(ctx, new ScimError(500, 'Internal server error'));
    }
  });
  return router;
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Middleware } from 'koa';

import { actorOf } from '../audit/actor.js';
import { requestOrigin, type AuditRecorder } from '../audit/recorder.js';
import type { RequestState } from '../http/request-log.js';
import { InvalidInputError, UnauthenticatedError } from '../lib/errors.js';
import { acceptInvitation } from '../tenancy/admin.service.js';
import type { AdminViewer } from '../tenancy/types.js';
import { portalPage, type PortalBranding } from './page.js';
import type { SessionCookie } from './session-cookie.js';
import { portalStyles } from './styles.js';

export interface PortalOptions extends PortalBranding {
  readonly accentColor: string;
  /** PUBLIC_URL: the only origin the portal's session endpoints answer, and its WebSocket's host. */
  readonly publicUrl: string;
  readonly cookie: SessionCookie;
  /** The request's EntityManager (the request context's). */
  readonly em: () => EntityManager;
  readonly sessionTtlMs: number;
  readonly now: () => Date;
  readonly audit: AuditRecorder;
  /**
   * Ends the admin session a cookie holds (its open WebSockets close, in every process); resolves with who
   * it was, or undefined when the token opens no live session.
   */
  readonly endSession: (token: string) => Promise<AdminViewer | undefined>;
}

/**
 * Where the browser code is: `dist/portal/`, compiled by `portal/tsconfig.json` in `npm run build`. This
 * module runs from `dist/src/portal/` (built) or `src/portal/` (tests run the sources).
 */
function browserCodeDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.resolve(here, '../..');
  return path.basename(up) === 'dist' ? path.join(up, 'portal') : path.join(up, 'dist', 'portal');
}

/** Browser modules by name: lower-case words and dashes only, so no path can leave the directory. */
const MODULE_NAME = /^[a-z][a-z0-9-]*\.js$/;

const SESSION_BODY_LIMIT = '16kb';

/** The Content-Security-Policy of every portal response: own scripts and styles only, nothing inline. */
function contentSecurityPolicy(publicUrl: string, logoUrl: string | undefined): string {
  const url = new URL(publicUrl);
  const socket = `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}`;
  const logo = logoUrl ? ` ${new URL(logoUrl).origin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${socket}`,
    `img-src 'self'${logo} data:`,
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

function securityHeaders(csp: string): Middleware<RequestState> {
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', csp);
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}

function refuse(ctx: { status: number; body: unknown }, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.body = { error: { code, message } };
}

/**
 * The admin portal at `/portal/`: the page an invitation link opens (HTML, CSS, browser modules), and its
 * session endpoints. `POST /portal/session {token, name}` accepts the invitation as `acceptAdminInvitation`
 * does and sets the session cookie (session-cookie.ts) instead of returning the token; `DELETE
 * /portal/session` clears it (the page signs out with the `signOut` mutation first). Both answer only
 * PUBLIC_URL's origin and JSON, as GraphQL does for the cookie.
 */
export function portalRouter(options: PortalOptions): Router<RequestState> {
  const { cookie, publicUrl } = options;
  const expectedOrigin = new URL(publicUrl).origin;
  const page = portalPage(options);
  const styles = portalStyles(options.accentColor);
  const codeDir = browserCodeDir();
  const router = new Router<RequestState>({ prefix: '/portal' });
  router.use(securityHeaders(contentSecurityPolicy(publicUrl, options.logoUrl)));

  /** The session endpoints' CSRF check: the portal's own origin, and JSON (which forms cannot send). */
  const sameOrigin: Middleware<RequestState> = async (ctx, next) => {
    if (ctx.get('origin') !== expectedOrigin)
      return refuse(ctx, 403, 'FORBIDDEN', 'the portal session is managed from the portal page only');
    if (ctx.method !== 'DELETE' && !ctx.is('application/json'))
      return refuse(ctx, 415, 'BAD_REQUEST', 'send content-type: application/json');
    await next();
  };

  router.get('/', (ctx) => {
    if (!ctx.path.endsWith('/')) return ctx.redirect('/portal/');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page;
  });
  router.get('/portal.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = styles;
  });
  router.get('/js/:file', async (ctx) => {
    const file = ctx.params['file'] ?? '';
    if (!MODULE_NAME.test(file)) return;
    try {
      ctx.body = await readFile(path.join(codeDir, file), 'utf8');
      ctx.type = 'text/javascript; charset=utf-8';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  });
  router.post(
    '/session',
    sameOrigin,
    bodyParser({ enableTypes: ['json'], jsonLimit: SESSION_BODY_LIMIT }),
    async (ctx) => {
      const body = (ctx.request.body ?? {}) as Record<string, unknown>;
      const token = body['token'];
      const name = body['name'];
      if (typeof token !== 'string' || (name !== undefined && name !== null && typeof name !== 'string'))
        return refuse(ctx, 400, 'BAD_REQUEST', 'send {"token": "<invitation token>", "name": "<optional name>"}');
      const actor = actorOf({ kind: 'anonymous' });
      const origin = requestOrigin(ctx.ip, ctx.get('user-agent'), ctx.state.requestId);
      const record = async (outcome: string, adminId: string | null) => {
        const target = { type: 'Admin', id: adminId };
        const scope = await options.audit.scopeOf(target, null);
        await options.audit.record({ ...scope, actor, action: 'acceptAdminInvitation', target, origin, outcome });
      };
      try {
        const started = await acceptInvitation(options.em(), {
          token,
          name: typeof name === 'string' && name.trim() !== '' ? name : undefined,
          now: options.now(),
          sessionTtlMs: options.sessionTtlMs,
        });
        await record('ok', started.admin.id);
        const expiresAt = started.session.expiresAt;
        const lifetimeMs = expiresAt.getTime() - started.session.createdAt.getTime();
        ctx.set('Set-Cookie', cookie.set(started.token, lifetimeMs / 1_000));
        ctx.body = {
          admin: { id: started.admin.id, email: started.admin.email, name: started.admin.name ?? null },
          expiresAt: expiresAt.toISOString(),
        };
      } catch (error) {
        if (error instanceof InvalidInputError) return refuse(ctx, 400, 'BAD_USER_INPUT', error.message);
        if (!(error instanceof UnauthenticatedError)) throw error;
        await record('UNAUTHENTICATED', null);
        refuse(ctx, 401, 'UNAUTHENTICATED', error.message);
      }
    },
  );
  // Signing out ends the session on the server too, not only in this browser: a copy of the cookie stops
  // working at once.
  router.delete('/session', sameOrigin, async (ctx) => {
    const token = cookie.read(ctx.get('cookie') || undefined);
    const ended = token ? await options.endSession(token) : undefined;
    if (ended) {
      const target = { type: 'AdminSession', id: ended.sessionId };
      const origin = requestOrigin(ctx.ip, ctx.get('user-agent'), ctx.state.requestId);
      await options.audit.record({
        environmentId: ended.environmentId,
        organizationId: ended.organizationId,
        actor: actorOf(ended),
        action: 'signOut',
        target,
        origin,
        outcome: 'ok',
      });
    }
    ctx.set('Set-Cookie', cookie.clear());
    ctx.status = 204;
  });
  return router;
}

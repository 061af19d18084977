import type { IncomingHttpHeaders } from 'node:http';

/**
 * The admin portal keeps its session token in a cookie that JavaScript cannot read (`HttpOnly`), that no
 * other site's request carries (`SameSite=Strict`), and — behind https — `Secure` with the `__Host-` prefix
 * (no `Domain`, `Path=/`, so no subdomain can set or shadow it). The server accepts it only together with
 * a marker a cross-site page cannot forge: the request's `Origin` is PUBLIC_URL's origin, and, over HTTP,
 * it is a POST with `Content-Type: application/json` (which a form or a plain link cannot send).
 */
export interface SessionCookie {
  /** The cookie's name (`__Host-dsync_portal` behind https, `dsync_portal` otherwise). */
  readonly name: string;
  /** The Set-Cookie value carrying `token` for `maxAgeSeconds`. */
  set(token: string, maxAgeSeconds: number): string;
  /** The Set-Cookie value that deletes the cookie. */
  clear(): string;
  /** The session token in a Cookie header, if any (not yet judged). */
  read(cookieHeader: string | undefined): string | undefined;
  /** Whether a request (its headers and method) may use the cookie: see {@link SessionCookie}. */
  allows(request: { method: string; headers: IncomingHttpHeaders }, { upgrade }: { upgrade: boolean }): boolean;
}

/** The credential found for a request: from the cookie (usable or refused), or none. */
export type CookieCredential =
  { readonly kind: 'none' } | { readonly kind: 'session'; readonly token: string } | { readonly kind: 'refused' };

/** `publicUrl`: PUBLIC_URL, whose origin is the only one the cookie is accepted from. */
export function sessionCookie(publicUrl: string): SessionCookie {
  const { origin, protocol } = new URL(publicUrl);
  const secure = protocol === 'https:';
  const name = secure ? '__Host-dsync_portal' : 'dsync_portal';
  const attributes = `Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  return {
    name,
    set: (token, maxAgeSeconds) => `${name}=${token}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; ${attributes}`,
    clear: () => `${name}=; Max-Age=0; ${attributes}`,
    read: (cookieHeader) => {
      for (const part of (cookieHeader ?? '').split(';')) {
        const [key, ...value] = part.trim().split('=');
        if (key === name) return value.join('=') || undefined;
      }
      return undefined;
    },
    allows: ({ method, headers }, { upgrade }) => {
      if (headers.origin !== origin) return false;
      if (upgrade) return true;
      const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      return method === 'POST' && type === 'application/json';
    },
  };
}

/**
 * The credential a request without an Authorization header carries in the portal's cookie: `session` when it
 * may use it, `refused` when the cookie is there without the marker (another origin, not JSON), else `none`.
 */
export function cookieCredential(
  cookie: SessionCookie,
  request: { method: string; headers: IncomingHttpHeaders },
  options: { upgrade: boolean },
): CookieCredential {
  const token = cookie.read(request.headers.cookie);
  if (token === undefined) return { kind: 'none' };
  return cookie.allows(request, options) ? { kind: 'session', token } : { kind: 'refused' };
}

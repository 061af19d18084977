/** Calls to the server: GraphQL over HTTP with the session cookie, and the portal's session endpoints. */

/** The session is gone (expired, signed out, revoked, or there never was one): the server's reason. */
export class SessionEnded extends Error {
  override readonly name = 'SessionEnded';
}

/** A GraphQL error other than a missing session. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * The page's own policy is `no-referrer`, under which browsers send `Origin: null` with a POST; the server
 * accepts the session cookie only with the portal's origin, so these requests say `same-origin`: the Origin
 * (and a Referer without the fragment, which holds nothing) go to this server only.
 */
const SEND_ORIGIN: ReferrerPolicy = 'same-origin';

interface GraphQLBody<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * Runs one operation. The session travels in the HttpOnly cookie; the server accepts it because this is a
 * same-origin POST of JSON (the CSRF marker it requires).
 */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    referrerPolicy: SEND_ORIGIN,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLBody<T>;
  const first = body.errors?.[0];
  if (first?.extensions?.code === 'UNAUTHENTICATED') throw new SessionEnded(first.message);
  if (first || !body.data) throw new ApiError(first?.message ?? `HTTP ${response.status}`, first?.extensions?.code);
  return body.data;
}

/** Accepts the invitation; the server sets the session cookie. Resolves with the refusal's reason, if any. */
export async function startSession(token: string, name: string): Promise<string | undefined> {
  const response = await fetch('/portal/session', {
    method: 'POST',
    credentials: 'same-origin',
    referrerPolicy: SEND_ORIGIN,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, name: name.trim() || null }),
  });
  if (response.ok) return undefined;
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  return body.error?.message ?? `HTTP ${response.status}`;
}

/** Deletes the session cookie (after the signOut mutation ended the session itself). */
export async function clearSession(): Promise<void> {
  await fetch('/portal/session', { method: 'DELETE', credentials: 'same-origin', referrerPolicy: SEND_ORIGIN });
}

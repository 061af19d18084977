import type { Context, Middleware, Next } from 'koa';

import { errorMessage } from '../lib/error-message.js';
import { idAt, isUuid } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import { jsonTextIsClean, redactedJsonText, redactQuery, redactText } from '../lib/redact.js';
import { SCIM_TOKEN_PREFIX, type ScimTarget } from '../tenancy/scim-auth.js';
import type { ScimRequestLog } from '../tenancy/scim-request-log.js';
import type { ScimAuthFailure, ScimRequestLogRecord } from '../tenancy/scim-request-log.sql.js';

/** Serialized bodies kept per entry, each (UTF-8 bytes); a longer one is cut and marked. */
export const MAX_LOGGED_BODY_BYTES = 16 * 1024;
const MAX_PATH_CHARS = 2_048;
const MAX_USER_AGENT_CHARS = 256;
const MAX_DOMAIN_CHARS = 253;

/** What the SCIM handler learned of a request's directory, for the request log. */
type Outcome = { readonly directoryId: string } | { readonly target: ScimTarget; readonly reason: ScimAuthFailure };

const OUTCOME = 'scimRequestLog';

/** Notes the directory a request authenticated for. */
export function noteScimDirectory(ctx: Context, directoryId: string): void {
  ctx.state[OUTCOME] = { directoryId } satisfies Outcome;
}

/**
 * Notes a failed authentication at `target` and why, told from the presented credential's shape alone
 * (after the authentication answered, so it changes nothing of it): none, not our token format, or a token of
 * our format that does not open this directory. Nothing of the token itself is kept.
 */
export function noteScimAuthFailure(ctx: Context, target: ScimTarget, token: string | undefined): void {
  const reason: ScimAuthFailure =
    token === undefined ? 'missing' : TOKEN_FORMAT.test(token) ? 'wrong_token' : 'malformed';
  ctx.state[OUTCOME] = { target, reason } satisfies Outcome;
}

const TOKEN_FORMAT = new RegExp(`^${SCIM_TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`);

/** Where a failed authentication is recorded: a well-formed directory id or a domain; else nowhere. */
function targetOf(target: ScimTarget): ScimTarget | undefined {
  if ('directoryId' in target)
    return isUuid(target.directoryId) ? { directoryId: target.directoryId.toLowerCase() } : undefined;
  const domain = target.organizationDomain.toLowerCase();
  return domain.length > 0 && domain.length <= MAX_DOMAIN_CHARS ? { organizationDomain: domain } : undefined;
}

/** A NUL, or half of a surrogate pair: text PostgreSQL cannot store (nor read from JSON). */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const UNSTORABLE_CHAR = /[\0\uD800-\uDFFF]/;

/** Text PostgreSQL stores: each NUL and unpaired surrogate replaced by U+FFFD. */
function storable(text: string): string {
  return UNSTORABLE_CHAR.test(text) ? text.replace(UNSTORABLE, '\uFFFD') : text;
}

/** Whether `text` is at most {@link MAX_LOGGED_BODY_BYTES} in UTF-8 (most are known to be by their length). */
function fitsLogged(text: string): boolean {
  // At most 3 UTF-8 bytes per UTF-16 unit.
  return text.length * 3 <= MAX_LOGGED_BODY_BYTES || Buffer.byteLength(text) <= MAX_LOGGED_BODY_BYTES;
}

/** A JSON body redacted and serialized, cut to {@link MAX_LOGGED_BODY_BYTES} (on a character boundary). */
export function loggedBody(body: unknown): { text: string | null; truncated: boolean } {
  if (body === undefined || body === null || (typeof body === 'object' && Buffer.isBuffer(body))) {
    return { text: null, truncated: false };
  }
  // The budget: a body whose copied characters exceed the cap serializes to more bytes than the cap (JSON
  // adds quotes and escapes, UTF-8 adds bytes), so the cut falls within what was copied, never in `[cut]`.
  const text = storable(redactedJsonText(body, MAX_LOGGED_BODY_BYTES + 1) ?? '');
  if (fitsLogged(text)) return { text, truncated: false };
  const bytes = Buffer.from(text, 'utf8');
  // A cut through a multi-byte character decodes to U+FFFD at the end: drop it.
  const cut = bytes
    .subarray(0, MAX_LOGGED_BODY_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return { text: cut, truncated: true };
}

/**
 * A response as the log keeps it, from the JSON text that was sent: as it is when it certainly holds no
 * secret and fits (most do: no walk, no copy); else parsed back and redacted value by value.
 */
function loggedResponse(text: string): { text: string | null; truncated: boolean } {
  if (fitsLogged(text) && jsonTextIsClean(text)) return { text, truncated: false };
  return loggedBody(JSON.parse(text));
}

/** A response body koa would serialize as JSON (not a Buffer, a stream or text). */
function isJsonBody(body: unknown): body is object {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Buffer.isBuffer(body) &&
    typeof (body as { pipe?: unknown }).pipe !== 'function'
  );
}

/** The JSON text of a response body, or undefined when it is none (or cannot be serialized). */
function jsonTextOf(body: unknown): string | undefined {
  if (!isJsonBody(body)) return undefined;
  try {
    return JSON.stringify(body);
  } catch {
    return undefined;
  }
}

function loggedPath(path: string, querystring: string): string {
  const query = querystring ? `?${redactQuery(querystring)}` : '';
  return storable(`${path}${query}`).slice(0, MAX_PATH_CHARS);
}

/** JSON values (objects, arrays, leaves) a body may have and still be held unserialized until it is written. */
const MAX_HELD_NODES = 200;

/** Characters of response text an entry may hold until it is written; a longer one is logged at once. */
const MAX_HELD_RESPONSE_CHARS = 4_096;

/** Whether `value` has more than `budget` JSON values (counting stops there). */
function isLarge(value: unknown, budget = { left: MAX_HELD_NODES }): boolean {
  if (--budget.left < 0) return true;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (isLarge(item, budget)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (Object.hasOwn(record, key) && isLarge(record[key], budget)) return true;
  return false;
}

function errorField(body: unknown, name: 'detail' | 'scimType'): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>)[name];
  // A detail may quote the request (a filter with a token in it): redacted like the bodies.
  return typeof value === 'string' ? storable(redactText(value)).slice(0, MAX_PATH_CHARS) : null;
}

/**
 * Koa middleware around the SCIM handler: once the request is answered, queues an entry for the directory
 * the handler noted (see {@link noteScimDirectory}, {@link noteScimAuthFailure}); requests that reached no
 * directory are not recorded. `log` undefined (SCIM_REQUEST_LOG_SIZE=0): passes straight through.
 */
export function recordScimRequests(log: ScimRequestLog | undefined): Middleware {
  return async (ctx: Context, next: Next) => {
    if (!log) {
      await next();
      return;
    }
    const createdAt = new Date();
    const started = performance.now();
    await next();
    const outcome = ctx.state[OUTCOME] as Outcome | undefined;
    const target = outcome && ('directoryId' in outcome ? outcome : targetOf(outcome.target));
    if (!outcome || !target) return;
    try {
      // Serialized here, once: koa sends this text as it is, and the log keeps it.
      const responseBody: unknown = ctx.body;
      const responseText = jsonTextOf(responseBody);
      if (responseText !== undefined) ctx.body = responseText;
      const durationMs = Math.round(performance.now() - started);
      record(log, ctx, outcome, target, createdAt, durationMs, responseBody, responseText);
    } catch (error) {
      // The request is answered: a failure to record it must not change that.
      (ctx.state['log'] as Logger | undefined)?.warn({ error: errorMessage(error) }, 'SCIM request not recorded');
    }
  };
}

function record(
  log: ScimRequestLog,
  ctx: Context,
  outcome: Outcome,
  target: ScimTarget,
  createdAt: Date,
  durationMs: number,
  responseBody: unknown,
  responseText: string | undefined,
): void {
  const failed = ctx.status >= 400;
  const status = ctx.status;
  const method = ctx.method;
  const path = ctx.path;
  const querystring = ctx.querystring;
  const requestBody: unknown = ctx.request.body;
  const userAgent = ctx.get('user-agent');
  const requestId = typeof ctx.state['requestId'] === 'string' ? ctx.state['requestId'] : null;
  const scimType = failed ? errorField(responseBody, 'scimType') : null;
  const errorDetail = failed ? errorField(responseBody, 'detail') : null;
  const authFailure = 'reason' in outcome ? outcome.reason : null;
  // Minted now, not at completion: entries of one millisecond keep the order they were recorded in.
  const id = idAt(createdAt);
  const complete = (): ScimRequestLogRecord => {
    const request = loggedBody(requestBody);
    const response = responseText === undefined ? loggedBody(undefined) : loggedResponse(responseText);
    return {
      target,
      id,
      createdAt,
      method,
      path: loggedPath(path, querystring),
      status,
      scimType,
      errorDetail,
      durationMs,
      userAgent: userAgent ? storable(userAgent).slice(0, MAX_USER_AGENT_CHARS) : null,
      requestId,
      authFailure,
      requestBody: request.text,
      requestBodyTruncated: request.truncated,
      responseBody: response.text,
      responseBodyTruncated: response.truncated,
    };
  };
  // Held until written: small bodies as they are, the response as its text (most are never written: see
  // PendingRequestLogEntry); large ones are cut to 16 KiB now, so a flush window of big pages or Bulk bodies
  // cannot pile up in memory.
  const large =
    (ctx.request.length ?? 0) > MAX_LOGGED_BODY_BYTES ||
    isLarge(requestBody) ||
    (responseText?.length ?? 0) > MAX_HELD_RESPONSE_CHARS;
  const done = large ? complete() : undefined;
  log.record({
    target,
    createdAt,
    status,
    scimType,
    errorDetail,
    authFailure,
    complete: done ? () => done : complete,
  });
}

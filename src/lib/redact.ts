/**
 * Redaction of what the SCIM request log stores (bodies and query strings). Two rules:
 *
 * - a secret-named attribute (see {@link SECRET_NAME}: its last name segment, after any `urn:…:`, any case,
 *   any depth) has its value replaced, and so has the `value` of a PATCH operation whose
 *   `path` names one (`{"op":"replace","path":"password","value":"…"}`);
 * - any string that looks like a credential is replaced wherever it appears: see {@link looksLikeSecret}.
 */
export const REDACTED = '[redacted]';

/**
 * Attribute names whose values are secrets: passwords and passphrases (`pass`, `pwd`), secrets, tokens,
 * credentials, one-time codes, PINs and keys (`apiKey`, `privateKey`). Over-matching (`passportNumber`) only
 * hides a value from the diagnostic log.
 */
const SECRET_NAME = /pass|pwd|secret|token|credential|otp|pin$|key$/i;

/** Our own secrets: SCIM tokens `dst_…`, API keys `dsk_<environment>_…`. */
const OUR_SECRET = /^ds[a-z]_[\w-]{10,}/;
const BEARER = /^bearer\s+\S/i;
/** A JWT (JWS compact form): base64url header starting `{"` (`eyJ`), payload, optional signature. */
const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/;
/** A long run of base64/base64url/hex characters… */
const LONG_OPAQUE = /^[A-Za-z0-9+/=_-]{32,}$/;
/** The shortest string any of the forms above matches (`eyJa.b.`). */
const MIN_SECRET_LENGTH = 7;

/**
 * True for strings that look like credentials: our token formats, `Bearer …`, JWTs, and long opaque
 * strings (32+ base64 characters, no spaces) mixing upper case, lower case and digits — what random keys look
 * like. userNames, emails, URLs, UUIDs, hex digests and typical IdP ids (Okta `00u…`, 20 chars) stay: they
 * have `@`, `.`, `:` or fewer than 32 characters, or lack one of the three character classes.
 */
/**
 * A superset of what {@link looksLikeSecret} (of the whole string, or of one of its words) can match: one of
 * the credential forms starting at the beginning or after a word separator. Most values fail it at once.
 */
const MIGHT_BE_SECRET = /(?:^|[\s"'()])(?:ds[a-z]_|bearer\s|eyJ|[A-Za-z0-9+/=_-]{32})/i;

/** Whether `text`, or a word of it, looks like a credential (see {@link looksLikeSecret}). */
function isSecretText(text: string): boolean {
  return MIGHT_BE_SECRET.test(text) && (looksLikeSecret(text) || containsSecret(text));
}

export function looksLikeSecret(text: string): boolean {
  const value = text.trim();
  // Shorter than the shortest form above (`eyJ…` with two dots): most values, decided without a pattern.
  if (value.length < MIN_SECRET_LENGTH) return false;
  if (OUR_SECRET.test(value) || BEARER.test(value) || JWT.test(value)) return true;
  return LONG_OPAQUE.test(value) && /[A-Z]/.test(value) && /[a-z]/.test(value) && /\d/.test(value);
}

function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name.slice(name.lastIndexOf(':') + 1));
}

/** A PATCH path naming a secret attribute: `password`, `urn:…:User:password`, `x[type eq "a"].secret`. */
function isSecretPath(path: string): boolean {
  const attribute =
    path
      .replace(/\[[^\]]*\]/g, '')
      .split('.')
      .at(-1) ?? '';
  return isSecretName(attribute);
}

/** Levels of nesting kept; deeper values (which SCIM refuses anyway) are replaced whole. */
const MAX_DEPTH = 64;

/** What {@link redactJson} puts in place of everything after its character budget ran out. */
export const CUT = '[cut]';

/**
 * A deep copy of a JSON value with secrets replaced by {@link REDACTED}; values nested deeper than
 * {@link MAX_DEPTH} levels are replaced too (a hostile body must not overflow the stack). With a `budget`,
 * the copy stops once the keys and values it holds count that many characters — fewer than their JSON has —
 * and every later value is {@link CUT}: a caller that keeps only that many characters of the JSON (a
 * prefix made entirely of copied values) need not walk a large body to its end.
 */
export function redactJson(value: unknown, budget = Infinity): unknown {
  const state = { left: budget };
  return redactValue(value, 0, state);
}

function redactValue(input: unknown, depth: number, budget: { left: number }): unknown {
  if (budget.left <= 0) return CUT;
  // As JSON.stringify sees it (a Date is its ISO string); `undefined` is left out of JSON and costs nothing.
  const value = hasToJson(input) ? input.toJSON() : input;
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    const kept = isSecretText(value) ? REDACTED : value;
    budget.left -= kept.length;
    return kept;
  }
  if (typeof value === 'number' || typeof value === 'boolean') budget.left -= `${value}`.length;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, budget));
  const source = value as Record<string, unknown>;
  const secretOperation = typeof source['path'] === 'string' && isSecretPath(source['path']);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) {
    if (item === undefined) continue;
    budget.left -= key.length;
    const secret = isSecretName(key) || (secretOperation && key.toLowerCase() === 'value');
    copy[key] = secret && item !== null ? REDACTED : redactValue(item, depth + 1, budget);
  }
  return copy;
}

/**
 * Where a secret-named attribute could appear in JSON text: {@link SECRET_NAME} anywhere, its end-anchored
 * forms too (a PATCH path ends them with `[`, `"` or `.`).
 */
const SECRET_NAME_IN_JSON = /pass|pwd|secret|token|credential|otp|pin|key/i;

/**
 * {@link MIGHT_BE_SECRET} for all matches, with a long run captured whole: the candidates of
 * {@link looksLikeSecret} in JSON text.
 */
const CREDENTIAL_START = /(?:^|[\s"'()])(?:ds[a-z]_|bearer\s|eyJ|([A-Za-z0-9+/=_-]{32,}))/gi;

/** The string value of each `path` member in JSON text whose only escape is `\"`. */
const PATH_VALUE = /"path":"((?:[^"\\]|\\")*)"/g;

/** A JSON escape other than `\"`: text where a string is not written verbatim. */
const OTHER_ESCAPE = /\\[^"]/;

/**
 * Whether JSON text as `JSON.stringify` writes it certainly holds nothing that {@link redactedJsonText} would
 * replace (which includes values nested deeper than {@link MAX_DEPTH}). Without escapes other than `\"` (an ETag's quotes)
 * every string stands in the text as it is, a quote or two apart: a secret-named key, a PATCH path naming
 * one, and a string or word that could look like a credential (after a quote or a separator, as
 * {@link MIGHT_BE_SECRET} looks for; none of its forms holds a quote) all show in the text itself. A superset
 * test: text that fails it is redacted value by value.
 */
export function jsonTextIsClean(text: string): boolean {
  if (OTHER_ESCAPE.test(text) || SECRET_NAME_IN_JSON.test(text) || deeperThan(text, MAX_DEPTH - 1)) return false;
  // A PATCH path is judged without its filters (`pa[x]ss` names `pass`): each one as the redaction sees it.
  for (const [, path = ''] of text.matchAll(PATH_VALUE)) if (isSecretPath(path.replace(/\\"/g, '"'))) return false;
  for (const [, run] of text.matchAll(CREDENTIAL_START)) {
    // A prefix form, or a long run that looks like a credential (ids and hex digests do not).
    if (run === undefined || looksLikeSecret(run)) return false;
  }
  return true;
}

/** Whether JSON text (whose only escape is `\"`) nests objects and arrays more than `depth` levels. */
function deeperThan(text: string, depth: number): boolean {
  let level = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // `\"`: the quote is part of the string
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++level > depth) return true;
    } else if (c === 0x7d || c === 0x5d) level--;
  }
  return false;
}

/**
 * `value` as JSON text with secrets replaced, like `JSON.stringify(redactJson(value, budget))`. Most bodies
 * hold no secret: they are first only read (no copy), and serialized as they are when nothing needs
 * replacing and they are smaller than `budget`.
 */
export function redactedJsonText(value: unknown, budget = Infinity): string | undefined {
  const state = { left: budget };
  if (isClean(value, 0, state) && state.left > 0) return JSON.stringify(value);
  return JSON.stringify(redactJson(value, budget));
}

/** True when {@link redactValue} would replace nothing in `value` (within the budget; a Date or other `toJSON` counts as not clean). */
function isClean(value: unknown, depth: number, budget: { left: number }): boolean {
  if (budget.left <= 0) return true; // the rest is cut anyway; the caller sees the spent budget
  if (typeof value === 'string') {
    budget.left -= value.length;
    return !isSecretText(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    budget.left -= 8;
    return true;
  }
  if (value === null || value === undefined) return true;
  if (typeof value !== 'object' || depth >= MAX_DEPTH || hasToJson(value)) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isClean(item, depth + 1, budget)) return false;
    return true;
  }
  const source = value as Record<string, unknown>;
  if (typeof source['path'] === 'string' && isSecretPath(source['path'])) return false;
  for (const key in source) {
    if (!Object.hasOwn(source, key)) continue;
    budget.left -= key.length;
    const item = source[key];
    if (item !== undefined && item !== null && isSecretName(key)) return false;
    if (!isClean(item, depth + 1, budget)) return false;
  }
  return true;
}

function hasToJson(value: unknown): value is { toJSON(): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * Free text (an error's detail, which may quote what the client sent) with each credential-like word
 * replaced; the whole text when it is one credential (`Bearer …`).
 */
export function redactText(text: string): string {
  if (!MIGHT_BE_SECRET.test(text)) return text;
  if (looksLikeSecret(text)) return REDACTED;
  return text.replace(/[^\s"'()]+/g, (word) => (looksLikeSecret(word) ? REDACTED : word));
}

/** A query string with each credential-like value (and each value of a secret-named parameter) replaced. */
export function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at < 0) return pair;
      let decoded: string;
      try {
        decoded = decodeURIComponent(pair.slice(at + 1).replace(/\+/g, ' '));
      } catch {
        decoded = pair.slice(at + 1);
      }
      const secret = isSecretName(pair.slice(0, at)) || isSecretText(decoded);
      return secret ? `${pair.slice(0, at + 1)}${encodeURIComponent(REDACTED)}` : pair;
    })
    .join('&');
}

const WORD_SEPARATOR = /[\s"'()]/;

/** A filter such as `userName eq "dst_…"`: any quoted or space-separated word that looks like a credential. */
function containsSecret(text: string): boolean {
  // One word: looksLikeSecret has judged it whole already.
  if (!WORD_SEPARATOR.test(text)) return false;
  return text.split(/[\s"'()]+/).some((word) => word !== '' && looksLikeSecret(word));
}

import type { ExpectedVersions } from '../provisioning/expected-version.js';
import { ScimError } from './errors.js';
import type { ScimRequest } from './request.js';

/** `*`, or the opaque tags (without quotes; `W/` dropped) an `If-Match` / `If-None-Match` value lists. */
type EntityTags = '*' | readonly string[];

/**
 * One element of an entity-tag list (RFC 7232 §2.3, RFC 7230 §7): optional `W/`, a quoted opaque tag (which
 * may hold commas), optional whitespace, then a comma or the end. Empty elements are allowed, as §7 asks.
 */
const ELEMENT = /[ \t]*(?:(?:W\/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(?:,|$)/y;

/** A version's opaque tag as this server writes it: a decimal integer without leading zeros. */
const VERSION_TAG = /^[1-9][0-9]{0,14}$/;

function parseEntityTags(header: string, value: string): EntityTags {
  if (value.trim() === '*') return '*';
  const tags: string[] = [];
  let at = 0;
  do {
    ELEMENT.lastIndex = at;
    const match = ELEMENT.exec(value);
    if (!match) break;
    if (match[1] !== undefined) tags.push(match[1]);
    at = ELEMENT.lastIndex;
  } while (at < value.length);
  if (at < value.length || tags.length === 0)
    throw new ScimError(400, `${header} must be "*" or a list of entity tags such as W/"3"`, 'invalidSyntax');
  return tags;
}

/**
 * The versions a write may apply to, from `If-Match` (RFC 7644 §3.14): undefined without the header or
 * with `*` (any existing resource). Weak and strong tags both name the version (the ETags dsync sends are
 * weak); a tag that is no version of ours matches nothing. A malformed value is a 400.
 */
export function expectedVersions(req: ScimRequest): ExpectedVersions {
  const value = req.preconditions?.ifMatch;
  if (value === undefined) return undefined;
  const tags = parseEntityTags('If-Match', value);
  if (tags === '*') return undefined;
  return tags.filter((tag) => VERSION_TAG.test(tag)).map(Number);
}

/**
 * Whether a GET's `If-None-Match` names the current version or is `*` (weak comparison, RFC 7232 §3.2):
 * then the answer is 304. Undefined without the header; a malformed value is a 400.
 */
export function ifNoneMatch(req: ScimRequest): ((version: number) => boolean) | undefined {
  const value = req.preconditions?.ifNoneMatch;
  if (value === undefined) return undefined;
  const tags = parseEntityTags('If-None-Match', value);
  return (version) => tags === '*' || tags.includes(String(version));
}

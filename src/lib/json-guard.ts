/**
 * Checks that parsed JSON from a client can be stored and walked safely: nesting no deeper than `maxDepth`
 * and every string (keys included) valid Unicode text PostgreSQL accepts — no NUL character, no lone UTF-16
 * surrogate. Iterative, so a hostile depth cannot overflow the stack here.
 */
export interface JsonProblem {
  /** JSON-pointer-like location, e.g. `/emails/0/value`. */
  readonly at: string;
  readonly reason: 'tooDeep' | 'badText' | 'reservedKey' | 'tooMany';
}

/** SCIM resources nest a few levels (resource → extension → manager → value); 32 leaves room for IdP extras. */
export const MAX_JSON_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Whether `text` can be stored in a PostgreSQL text or jsonb value. */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/**
 * Text made storable where refusing it is not an option (what a webhook endpoint answered): NUL removed,
 * unpaired UTF-16 surrogates (e.g. an emoji cut in half by an excerpt limit) replaced by U+FFFD.
 */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '').replace(LONE_SURROGATES, '\uFFFD');
}

function pointer(at: string, key: string | number): string {
  return `${at}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/** Keys that name JavaScript's prototype machinery; refused anywhere in a body where `reservedKeys` is set. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export interface JsonLimits {
  readonly maxDepth?: number;
  /** Refuse the keys `__proto__`, `constructor` and `prototype` anywhere. */
  readonly reservedKeys?: boolean;
  /** Longest array, except arrays under a key of `unboundedKeys` (compared in lower case). */
  readonly maxArrayLength?: number;
  readonly unboundedKeys?: ReadonlySet<string>;
}

export function findJsonProblem(
  value: unknown,
  { maxDepth = MAX_JSON_DEPTH, reservedKeys = false, maxArrayLength = Infinity, unboundedKeys }: JsonLimits = {},
): JsonProblem | undefined {
  const stack: { value: unknown; depth: number; at: string; key?: string }[] = [{ value, depth: 0, at: '' }];
  while (stack.length > 0) {
    const { value: current, depth, at, key: parentKey } = stack.pop() as (typeof stack)[number];
    if (typeof current === 'string') {
      if (!isStorableText(current)) return { at, reason: 'badText' };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxDepth) return { at, reason: 'tooDeep' };
    if (Array.isArray(current)) {
      const bounded = parentKey === undefined || !unboundedKeys?.has(parentKey.toLowerCase());
      if (bounded && current.length > maxArrayLength) return { at, reason: 'tooMany' };
      current.forEach((item, index) => stack.push({ value: item, depth: depth + 1, at: pointer(at, index) }));
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (!isStorableText(key)) return { at: pointer(at, key), reason: 'badText' };
      if (reservedKeys && RESERVED_KEYS.has(key.toLowerCase())) return { at: pointer(at, key), reason: 'reservedKey' };
      stack.push({ value: item, depth: depth + 1, at: pointer(at, key), key });
    }
  }
  return undefined;
}

/** A client-facing sentence for a problem (the location is echoed, its text is not). */
export function describeJsonProblem(problem: JsonProblem, maxDepth = MAX_JSON_DEPTH): string {
  const where = problem.at === '' ? 'in the body' : `at ${JSON.stringify(problem.at)}`;
  if (problem.reason === 'tooDeep') return `JSON nests deeper than ${maxDepth} levels ${where}`;
  if (problem.reason === 'tooMany') return `the array ${where} has more elements than allowed`;
  if (problem.reason === 'reservedKey')
    return `the key ${where} names JavaScript's prototype machinery, which no attribute may`;
  return `text ${where} contains a NUL character or an unpaired UTF-16 surrogate`;
}

import { describe, expect, it } from '@jest/globals';

import { describeJsonProblem, findJsonProblem, isStorableText, MAX_JSON_DEPTH } from '../../../src/lib/json-guard.js';

/** `{ "a": { "a": … } }`, `levels` objects deep. */
function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

describe('isStorableText', () => {
  it.each([
    ['plain text', true, 'Ada Lovelace'],
    ['a paired surrogate (emoji)', true, 'ok \u{1F600}'],
    ['a NUL', false, 'a\u0000b'],
    ['a lone high surrogate', false, 'a\uD800b'],
    ['a lone low surrogate', false, 'a\uDC00'],
    ['a reversed pair', false, '\uDC00\uD800'],
  ])('%s → %s', (_name, storable, text) => {
    expect(isStorableText(text)).toBe(storable);
  });
});

describe('findJsonProblem', () => {
  it('accepts scalars, a typical SCIM resource, and nesting up to the limit', () => {
    expect(findJsonProblem(null)).toBeUndefined();
    expect(findJsonProblem({ userName: 'ada', emails: [{ value: 'a@x', primary: true }], n: 1 })).toBeUndefined();
    expect(findJsonProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
  });

  it('finds nesting one level too deep, and where', () => {
    expect(findJsonProblem(nested(MAX_JSON_DEPTH + 1))).toEqual({ at: '/a'.repeat(MAX_JSON_DEPTH), reason: 'tooDeep' });
    expect(findJsonProblem([[[1]]], { maxDepth: 2 })).toEqual({ at: '/0/0', reason: 'tooDeep' });
  });

  it('walks a very deep document without overflowing the stack', () => {
    expect(findJsonProblem(nested(100_000))?.reason).toBe('tooDeep');
  });

  it.each([
    ['a value', { emails: [{ value: 'a\u0000' }] }, '/emails/0/value'],
    ['a key', { ['bad\uD800']: 1 }, '/bad\uD800'],
    ['a key needing JSON-pointer escapes', { 'a/b~c': 'x\u0000' }, '/a~1b~0c'],
    ['the top-level string', '\u0000', ''],
  ])('finds bad text in %s', (_name, value, at) => {
    expect(findJsonProblem(value)).toEqual({ at, reason: 'badText' });
  });
});

describe('describeJsonProblem', () => {
  it('names the location, never the text', () => {
    expect(describeJsonProblem({ at: '/name/givenName', reason: 'badText' })).toBe(
      'text at "/name/givenName" contains a NUL character or an unpaired UTF-16 surrogate',
    );
    expect(describeJsonProblem({ at: '/a', reason: 'tooDeep' })).toBe(
      `JSON nests deeper than ${MAX_JSON_DEPTH} levels at "/a"`,
    );
  });
});

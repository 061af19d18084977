import { describe, expect, it } from '@jest/globals';

import { parseDuration, parseDurationList } from '../../../src/lib/duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5_000],
    ['1.5s', 1_500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    [' 30s ', 30_000],
    ['0s', 0],
    ['0.0004s', 0],
  ])('%j → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([[''], ['5'], ['5 s'], ['5S'], ['-5s'], ['5w'], ['.5s'], ['5s30s'], ['five seconds']])(
    'refuses %j, quoting it',
    (text) => {
      expect(() => parseDuration(text)).toThrow(`"${text}" is not a duration like 5s, 2m, 1h`);
    },
  );
});

describe('parseDurationList', () => {
  it('reads a comma-separated schedule in order', () => {
    expect(parseDurationList('5s,30s,2m,1h')).toEqual([5_000, 30_000, 120_000, 3_600_000]);
  });

  it('refuses the list when one entry is bad', () => {
    expect(() => parseDurationList('5s,,2m')).toThrow(/"" is not a duration/);
  });
});

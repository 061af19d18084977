import { describe, expect, it } from '@jest/globals';

import { idAt, isUuid } from '../../../src/lib/ids.js';

describe('idAt', () => {
  it('sorts ids of one millisecond in the order they were minted', () => {
    const at = new Date('2026-12-01T04:00:00.123Z');
    const ids = Array.from({ length: 1000 }, () => idAt(at));
    expect(ids.every(isUuid)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps the order within a millisecond when ids of other milliseconds are minted in between', () => {
    const t = Date.parse('2026-12-01T04:00:01.000Z');
    const minted = [t, t + 1, t, t + 2, t + 1, t].map((ms) => ({ ms, id: idAt(new Date(ms)) }));
    for (const ms of [t, t + 1]) {
      const ids = minted.filter((entry) => entry.ms === ms).map((entry) => entry.id);
      expect([...ids].sort()).toEqual(ids);
    }
  });

  it('sorts by time first, and carries the time in its first 48 bits', () => {
    const early = idAt(new Date('2026-12-01T04:00:00.124Z'));
    const later = idAt(new Date('2026-12-01T04:00:00.125Z'));
    const again = idAt(new Date('2026-12-01T04:00:00.124Z'));
    expect([later, early, again].sort()).toEqual([early, again, later].sort());
    expect(early < later && again < later).toBe(true);
    expect(parseInt(later.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.parse('2026-12-01T04:00:00.125Z'));
  });
});

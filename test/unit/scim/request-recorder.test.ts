import { describe, expect, it } from '@jest/globals';

import { CUT, REDACTED } from '../../../src/lib/redact.js';
import { loggedBody, MAX_LOGGED_BODY_BYTES } from '../../../src/scim/request-recorder.js';

const user = (i: number) => ({
  id: `6f9619ff-8b86-d011-b42d-00c04fc9${String(i).padStart(4, '0')}`,
  userName: `user${i}@example.com`,
  displayName: 'Zoë Ångström', // multi-byte characters: bytes exceed characters
  active: true,
  meta: { created: new Date(Date.UTC(2026, 11, 1)), version: undefined },
});

describe('loggedBody', () => {
  it('keeps a small body whole, as JSON.stringify writes it', () => {
    const body = { Resources: [user(1)], totalResults: 1 };
    expect(loggedBody(body)).toEqual({ text: JSON.stringify(body), truncated: false });
  });

  it('cuts a large body at 16 KiB within its real content, and marks it', () => {
    const body = { Resources: Array.from({ length: 500 }, (_, i) => user(i)) };
    const { text, truncated } = loggedBody(body);
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(text!, 'utf8')).toBeLessThanOrEqual(MAX_LOGGED_BODY_BYTES);
    expect(Buffer.byteLength(text!, 'utf8')).toBeGreaterThan(MAX_LOGGED_BODY_BYTES - 4);
    expect(JSON.stringify(body).startsWith(text!)).toBe(true);
    expect(text).not.toContain(CUT);
  });

  it('does not count a long redacted value against the cap', () => {
    const body = { secretKey: 'x'.repeat(40_000), nickName: `dst_${'A1b2'.repeat(5_000)}`, userName: 'ada' };
    const { text, truncated } = loggedBody(body);
    expect(truncated).toBe(false);
    expect(JSON.parse(text!)).toEqual({ secretKey: REDACTED, nickName: REDACTED, userName: 'ada' });
  });
});

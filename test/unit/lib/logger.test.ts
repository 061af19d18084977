import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';

import { createLogger, resolveLogFormat } from '../../../src/lib/logger.js';

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('log format', () => {
  it.each([
    [undefined, 'development', true, 'pretty'],
    [undefined, 'development', false, 'json'],
    [undefined, 'production', true, 'json'],
    [undefined, 'test', true, 'json'],
    ['json', 'development', true, 'json'],
    ['pretty', 'production', false, 'pretty'],
  ] as const)('LOG_FORMAT %s, NODE_ENV %s, stdout a TTY: %s → %s', (configured, nodeEnv, tty, expected) => {
    expect(resolveLogFormat(configured, nodeEnv, tty)).toBe(expected);
  });

  it('json: one JSON object per line', () => {
    const out = capture();
    createLogger('info', out.stream, 'json').info({ requestId: 'r-1' }, 'listening');
    expect(out.lines().map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 30, msg: 'listening', requestId: 'r-1' }),
    ]);
  });

  it('pretty: a readable line, no colours off a terminal, secrets still redacted', () => {
    const out = capture();
    createLogger('info', out.stream, 'pretty').info({ requestId: 'r-1', token: 'dst_secret' }, 'listening');
    const [first, ...rest] = out.lines();
    expect(first).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(\d+\): listening$/);
    expect(rest.join('\n')).toContain('requestId: "r-1"');
    expect(out.lines().join('\n')).not.toContain('dst_secret');
    expect(out.lines().join('\n')).not.toContain('\u001b['); // no ANSI colour codes
  });
});

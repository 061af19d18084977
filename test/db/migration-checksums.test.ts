import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

// A migration that has landed never changes: databases that already ran it would never see the change.
// Fix a mistake with a new migration. A new migration is listed with `node scripts/migration-checksums.mjs --add`.

const dir = path.resolve('migrations');
const listed = JSON.parse(readFileSync(path.join(dir, 'checksums.json'), 'utf8')) as Record<string, string>;
const files = readdirSync(dir)
  .filter((name) => /^Migration\d+\.ts$/.test(name))
  .sort();

function sha256(name: string): string {
  return createHash('sha256')
    .update(readFileSync(path.join(dir, name)))
    .digest('hex');
}

describe('migrations/checksums.json', () => {
  it('lists every migration file (run `node scripts/migration-checksums.mjs --add` for a new one)', () => {
    expect(files.filter((name) => !listed[name])).toEqual([]);
    expect(Object.keys(listed).filter((name) => !files.includes(name))).toEqual([]);
  });

  it.each(Object.keys(listed))('%s is unchanged since it landed', (name) => {
    expect(sha256(name)).toBe(listed[name]);
  });
});

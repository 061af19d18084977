// Landed migrations never change: migrations/checksums.json holds the SHA-256 of every migration file, and
// test/db/migration-checksums.test.ts fails when a listed file differs or a migration is not listed.
// `node scripts/migration-checksums.mjs --add` adds the files that are not listed yet; it never rewrites a
// listed one (a changed migration is fixed by restoring it and writing a new migration).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'migrations');
const file = path.join(dir, 'checksums.json');
const listed = JSON.parse(readFileSync(file, 'utf8'));
let added = 0;
for (const name of readdirSync(dir)
  .filter((n) => /^Migration\d+\.ts$/.test(n))
  .sort()) {
  if (listed[name]) continue;
  listed[name] = createHash('sha256')
    .update(readFileSync(path.join(dir, name)))
    .digest('hex');
  console.log(`added ${name}`);
  added += 1;
}
writeFileSync(file, `${JSON.stringify(Object.fromEntries(Object.entries(listed).sort()), null, 2)}\n`);
console.log(added ? `${added} migration(s) added to migrations/checksums.json` : 'every migration is listed');

// Reads on a big directory (BENCH_ONLY=big): BENCH_BIG_USERS users, then `userName eq` lookups and pages of
// 100 at random offsets, BENCH_CONCURRENCY clients.
//
// Seeding: BENCH_BIG_SEED=sql (default) POSTs one user, then copies its row in SQL with the userName (which
// also appears in externalId, email, emails and raw) replaced: every row is what the server itself wrote,
// whatever columns it has, minus the create events nobody reads here. BENCH_BIG_SEED=post POSTs them all.
import pg from 'pg';

import { envInt, run, userBody } from './scim-app.mjs';

const MARKER = 'zzmarkerzz';
const nameOf = (n) => `big${n}@big.example`;

/** Copies the row of user `templateId` into users 1 … count-1 of the same directory, in chunks. */
async function copyRows(databaseUrl, templateId, count) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`select exists (select 1 from pg_proc where proname = 'uuidv7') as v7`);
    const newId = rows[0].v7 ? 'uuidv7()' : 'gen_random_uuid()';
    const chunk = 10_000;
    for (let from = 1; from < count; from += chunk) {
      const to = Math.min(count - 1, from + chunk - 1);
      await client.query(
        `insert into directory_users
         select (jsonb_populate_record(null::directory_users,
                   replace(t.r::text, '${MARKER}', g::text)::jsonb || jsonb_build_object('id', ${newId}))).*
         from (select to_jsonb(u) as r from directory_users u where id = $1) as t, generate_series($2::int, $3::int) as g
         order by g`,
        [templateId, from, to],
      );
    }
    await client.query('vacuum analyze directory_users'); // as autovacuum would after such a change
  } finally {
    await client.end();
  }
}

/** Fills a directory with `count` users named big0 … big{count-1}; resolves with how long it took. */
async function seed(bench, scim, count, how) {
  const started = performance.now();
  if (how === 'post') {
    await run(count, 16, (i) => scim('POST', '/Users', userBody(nameOf(i), i)));
  } else {
    const template = await scim('POST', '/Users', userBody(nameOf(MARKER), 0));
    await copyRows(bench.databaseUrl, template.id, count);
    const copy = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${nameOf(1)}"`)}`);
    if (copy.totalResults !== 1 || copy.Resources[0].emails[0].value !== nameOf(1))
      throw new Error('big: a copied user is not found by userName');
  }
  return (performance.now() - started) / 1000;
}

/** Lookups and pages on a directory of BENCH_BIG_USERS users. */
export async function big(bench, report) {
  const users = envInt('BENCH_BIG_USERS', 100_000);
  const samples = envInt('BENCH_BIG_SAMPLES', 1_000);
  const concurrency = envInt('BENCH_CONCURRENCY', 16);
  const how = process.env.BENCH_BIG_SEED ?? 'sql';
  if (how !== 'sql' && how !== 'post') throw new Error(`BENCH_BIG_SEED must be sql or post, not ${how}`);
  const { scim } = await bench.directory('big');
  const seconds = await seed(bench, scim, users, how);
  const note = `directory of ${users} users (seeded by ${how} in ${seconds.toFixed(1)} s)`;
  const total = (await scim('GET', '/Users?count=0')).totalResults;
  if (total !== users) throw new Error(`big: ${total} users, expected ${users}`);

  // A fixed pseudo-random sequence (a multiplicative step modulo the size), so runs are comparable.
  const pick = (i, range) => (i * 104_729 + 7) % range;
  report(
    'GET /Users?filter=userName eq … (big)',
    await run(samples, concurrency, async (i) => {
      const name = nameOf(how === 'sql' ? 1 + pick(i, users - 1) : pick(i, users));
      const found = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`);
      if (found.totalResults !== 1) throw new Error(`big: ${name} found ${found.totalResults} times`);
    }),
    note,
  );
  report(
    'GET /Users?startIndex=random&count=100 (big)',
    await run(samples, concurrency, async (i) => {
      const startIndex = 1 + pick(i, Math.max(1, users - 99));
      const page = await scim('GET', `/Users?startIndex=${startIndex}&count=100`);
      if (page.Resources.length !== Math.min(100, users - startIndex + 1)) throw new Error('big: short page');
    }),
    note,
  );
}

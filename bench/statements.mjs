// `npm run bench:statements`: SQL statements per SCIM request, counted through createApp's logQuery. Unlike
// timings these do not depend on the machine's load: fewer round trips per request is the aim of the hot-path
// work. Each operation runs BENCH_STATEMENT_SAMPLES times, one at a time, on a directory of 200 users.
import { stripVTControlCharacters } from 'node:util';

import { addMembers, envInt, GROUP_SCHEMA, PATCH_SCHEMA, startScimBench, userBody } from './scim-app.mjs';

const samples = envInt('BENCH_STATEMENT_SAMPLES', 5);
let statements = [];
// The ORM colours its log lines: strip the escapes so that keywords match.
const bench = await startScimBench({ logQuery: (line) => statements.push(stripVTControlCharacters(line)) });
try {
  const { scim } = await bench.directory('statements');
  const ids = [];
  for (let i = 0; i < 200; i++) ids.push((await scim('POST', '/Users', userBody(`seed${i}@statements.example`, i))).id);
  const group = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Counted' });
  let next = 0;
  const fresh = (n) => ids.slice(next, (next += n));

  const operations = {
    'POST /Users': (i) => scim('POST', '/Users', userBody(`counted${i}@statements.example`, i)),
    'GET /Users/{id}': (i) => scim('GET', `/Users/${ids[i]}`),
    'GET /Users?filter=userName eq …': (i) =>
      scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "seed${i}@statements.example"`)}`),
    'GET /Users?startIndex=…&count=100': (i) => scim('GET', `/Users?startIndex=${i * 10 + 1}&count=100`),
    'PATCH /Users/{id} (replace givenName)': (i) =>
      scim('PATCH', `/Users/${ids[i]}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'name.givenName', value: `Counted${i}` }],
      }),
    'POST /Groups': (i) => scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `Counted ${i}` }),
    'PATCH /Groups/{id} add 1 member': () => scim('PATCH', `/Groups/${group.id}`, addMembers(fresh(1))),
    'PATCH /Groups/{id} add 10 members': () => scim('PATCH', `/Groups/${group.id}`, addMembers(fresh(10))),
    'PATCH /Groups/{id} add 20 members': () => scim('PATCH', `/Groups/${group.id}`, addMembers(fresh(20))),
  };
  console.log(`${new Date().toISOString()}, ${samples} requests each, one at a time\n`);
  console.log('| operation | SQL statements per request (min–max) | of which select/insert/update/delete |');
  console.log('|---|---:|---:|');
  for (const [name, operation] of Object.entries(operations)) {
    const all = [];
    const data = [];
    for (let i = 0; i < samples; i++) {
      statements = [];
      await operation(i);
      all.push(statements.length);
      data.push(statements.filter((sql) => /\b(select|insert|update|delete)\b/i.test(sql)).length);
    }
    const range = (xs) => (Math.min(...xs) === Math.max(...xs) ? `${xs[0]}` : `${Math.min(...xs)}–${Math.max(...xs)}`);
    console.log(`| ${name} | ${range(all)} | ${range(data)} |`);
  }
} finally {
  await bench.close();
}

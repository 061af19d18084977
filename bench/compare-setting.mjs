// `npm run bench:setting -- NAME A B`: what one setting costs, e.g. `-- SCIM_REQUEST_LOG_SIZE 1000 0` (the
// request log on and off) or `-- SCIM_RATE_LIMIT 1000000 0` (the rate limiter). Two servers in this process,
// identical but for NAME=A and NAME=B, each on its own embedded PostgreSQL (or a database of DATABASE_URL's
// server), take turns round by round on the same workloads (the order flips every round), so that the
// machine's load hits both alike; the table gives the medians of the rounds and the ratio A / B.
//   BENCH_ROUNDS=5 BENCH_REQUESTS=1000 BENCH_CONCURRENCY=16 (requests per workload per round)
import { envInt, PATCH_SCHEMA, run, startScimBench, userBody } from './scim-app.mjs';

const [setting, ...values] = process.argv.slice(2);
if (!setting || !/^[A-Z][A-Z0-9_]*$/.test(setting) || values.length !== 2) {
  throw new Error('usage: node bench/compare-setting.mjs NAME A B (e.g. SCIM_REQUEST_LOG_SIZE 1000 0)');
}
const rounds = envInt('BENCH_ROUNDS', 5);
const requests = envInt('BENCH_REQUESTS', 1_000);
const concurrency = envInt('BENCH_CONCURRENCY', 16);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** The workloads of one round on one server: create, look up and patch users, each `requests` times. */
async function round(target, r) {
  const { scim, ids } = target;
  const prefix = `r${r}-`;
  const created = await run(requests, concurrency, async (i) => {
    ids.push((await scim('POST', '/Users', userBody(`${prefix}${i}@bench.example`, i))).id);
  });
  const pick = (i) => (i * 7919) % ids.length;
  const lookup = await run(requests, concurrency, (i) =>
    scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${prefix}${i % requests}@bench.example"`)}`),
  );
  const patched = await run(requests, concurrency, (i) =>
    scim('PATCH', `/Users/${ids[pick(i)]}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'name.givenName', value: `Renamed${r}-${i}` }],
    }),
  );
  return { 'POST /Users': created, 'GET userName eq': lookup, 'PATCH givenName': patched };
}

const targets = [];
for (const [i, value] of values.entries()) {
  const label = `${setting}=${value}`;
  const bench = await startScimBench({ env: { [setting]: value }, name: `setting-${i}` });
  const { scim } = await bench.directory(label);
  targets.push({ label, bench, scim, ids: [], results: [] });
}
try {
  // Warm-up round, not counted: JIT, prepared statements, caches.
  for (const target of targets) await round(target, 0);
  for (let r = 1; r <= rounds; r++) {
    const order = r % 2 === 0 ? [...targets].reverse() : targets;
    for (const target of order) target.results.push(await round(target, r));
  }
  const [a, b] = targets.map((target) => `${target.label} req/s (p99 ms)`);
  console.log(`| workload | ${a} | ${b} | A / B |`);
  console.log(`|---|---:|---:|---:|`);
  for (const workload of Object.keys(targets[0].results[0])) {
    const [first, second] = targets.map((target) => ({
      perSecond: median(target.results.map((result) => result[workload].perSecond)),
      p99: median(target.results.map((result) => result[workload].p99)),
    }));
    console.log(
      `| ${workload} | ${first.perSecond.toFixed(0)} (${first.p99.toFixed(1)}) | ${second.perSecond.toFixed(0)} (${second.p99.toFixed(1)}) | ${(first.perSecond / second.perSecond).toFixed(2)} |`,
    );
  }
  console.log(`\n${rounds} rounds of ${requests} requests per workload, ${concurrency} clients, medians.`);
} finally {
  for (const target of targets) await target.bench.close();
}

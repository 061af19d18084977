// `npm run bench`: SCIM throughput and latency on one server process over real PostgreSQL (embedded, or
// DATABASE_URL), the load generator in the same process. Loopback only; every loop is bounded. Prints one
// Markdown row per measurement as it completes, for bench/RESULTS.md.
//
// BENCH_ONLY=basic,spread,group-patch,sync,big picks workloads (default: all, in that order). Sizes:
//   basic        BENCH_USERS=10000 BENCH_CONCURRENCY=16 BENCH_SAMPLES=500
//   spread       BENCH_SPREAD_DIRECTORIES=16 BENCH_SPREAD_REQUESTS=2000
//   group-patch  BENCH_GROUP_PATCHES=50 BENCH_GROUP_PATCH_MEMBERS=100
//   sync         BENCH_SYNC_USERS=10000 BENCH_SYNC_GROUPS=100 BENCH_SYNC_BATCH=50 BENCH_SYNC_CONCURRENCY=8
//   (every workload) SCIM_RATE_LIMIT=1000000 SCIM_RATE_BURST=200: the rate limit on, never refusing
//   big          BENCH_BIG_USERS=100000 BENCH_BIG_SAMPLES=1000 BENCH_BIG_SEED=sql|post (BENCH_CONCURRENCY clients)
import os from 'node:os';

import { startScimBench } from './scim-app.mjs';
import { basic } from './scim-basic.mjs';
import { big } from './scim-big.mjs';
import { groupPatch, spread, sync } from './scim-provisioning.mjs';

const WORKLOADS = { basic, spread, 'group-patch': groupPatch, sync, big };

function selected() {
  const names = (process.env.BENCH_ONLY ?? Object.keys(WORKLOADS).join(','))
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(name in WORKLOADS));
  if (unknown.length > 0) {
    throw new Error(`BENCH_ONLY: unknown ${unknown.join(', ')} (known: ${Object.keys(WORKLOADS).join(', ')})`);
  }
  return names;
}

const cell = (n, digits) => (n === undefined ? '' : n.toFixed(digits));

/** Prints one table row. */
function report(name, r, note = '') {
  console.log(
    `| ${name} | ${r.requests} | ${r.concurrency} | ${cell(r.perSecond, 0)} | ${cell(r.p50, 1)} | ${cell(r.p99, 1)} | ${note} |`,
  );
}

async function main() {
  const names = selected();
  const bench = await startScimBench();
  console.log(
    `${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} cores, workloads ${names.join(',')}\n`,
  );
  console.log('| operation | requests | concurrency | req/s | p50 ms | p99 ms | notes |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  let rss;
  try {
    for (const name of names) await WORKLOADS[name](bench, report);
    rss = process.memoryUsage().rss;
  } finally {
    await bench.close();
  }
  console.log(
    `\n${new Date().toISOString()} done; server + client process RSS at the end: ${(rss / 2 ** 20).toFixed(0)} MB`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

// `npm run bench`: SCIM throughput and latency on one server process over real PostgreSQL (embedded, or
// DATABASE_URL). Loopback only; every loop is bounded. Prints a Markdown table for bench/RESULTS.md.
import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

import { createApp } from '../dist/src/app.js';
import { loadConfig } from '../dist/src/config.js';
import { createLogger } from '../dist/src/lib/logger.js';
import { graphqlClient, openBenchDatabase, percentile } from './lib.mjs';

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 500);

/** Runs `count` calls of `fn(i)` with `concurrency` in flight; returns wall time and per-call latencies. */
async function run(count, concurrency, fn) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await fn(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main() {
  const database = await openBenchDatabase('bench');
  const databaseUrl = database.url;
  const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent' });
  const app = await createApp({ config, logger: createLogger('silent'), databaseUrl, encryptionKey: randomBytes(32) });
  const base = await app.listen(0, '127.0.0.1');
  const key = (await app.bootstrap())[0].apiKey;
  const gql = graphqlClient(base, key);
  const org = (await gql('mutation { createOrganization(input: { name: "Bench" }) { id } }')).createOrganization;
  const dir = (
    await gql(
      'mutation($o: ID!) { createDirectory(input: { organizationId: $o, name: "bench", provider: OKTA }) { token directory { id } } }',
      { o: org.id },
    )
  ).createDirectory;
  const scimBase = `${base}/scim/v2/${dir.directory.id}`;
  const scim = async (method, p, body) => {
    const res = await fetch(`${scimBase}${p}`, {
      method,
      headers: { authorization: `Bearer ${dir.token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  const ids = [];
  const results = [];
  const create = await run(USERS, CONCURRENCY, async (i) => {
    const user = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `user${i}@bench.example`,
      externalId: `ext-${i}`,
      name: { givenName: `Given${i}`, familyName: `Family${i % 100}` },
      emails: [{ value: `user${i}@bench.example`, type: 'work', primary: true }],
      active: true,
    });
    ids[i] = user.id;
  });
  results.push(['POST /Users (create)', USERS, CONCURRENCY, create]);

  const pick = (i) => (i * 7919) % USERS;
  results.push([
    'GET /Users?filter=userName eq …',
    SAMPLES,
    CONCURRENCY,
    await run(SAMPLES, CONCURRENCY, (i) =>
      scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "USER${pick(i)}@bench.example"`)}`),
    ),
  ]);
  results.push([
    'GET /Users?filter=externalId eq …',
    SAMPLES,
    CONCURRENCY,
    await run(SAMPLES, CONCURRENCY, (i) =>
      scim('GET', `/Users?filter=${encodeURIComponent(`externalId eq "ext-${pick(i)}"`)}`),
    ),
  ]);
  results.push([
    'GET /Users?startIndex=…&count=100',
    SAMPLES,
    CONCURRENCY,
    await run(SAMPLES, CONCURRENCY, (i) => scim('GET', `/Users?startIndex=${(pick(i) % (USERS - 100)) + 1}&count=100`)),
  ]);
  results.push([
    'PATCH /Users/{id} (replace givenName)',
    SAMPLES,
    CONCURRENCY,
    await run(SAMPLES, CONCURRENCY, (i) =>
      scim('PATCH', `/Users/${ids[pick(i)]}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'name.givenName', value: `Renamed${i}` }],
      }),
    ),
  ]);
  const group = await scim('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Everyone',
  });
  const batch = 100;
  const batches = Math.floor(USERS / batch);
  results.push([
    `PATCH /Groups/{id} add ${batch} members (one group)`,
    batches,
    CONCURRENCY,
    await run(batches, CONCURRENCY, (b) =>
      scim('PATCH', `/Groups/${group.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'add', path: 'members', value: ids.slice(b * batch, b * batch + batch).map((value) => ({ value })) },
        ],
      }),
    ),
  ]);
  const members = await scim('GET', `/Groups/${group.id}?excludedAttributes=members`);
  const total = (
    await scim(
      'GET',
      `/Groups?filter=${encodeURIComponent(`members[value eq "${ids[0]}"]`)}&excludedAttributes=members`,
    )
  ).totalResults;
  if (!members || total !== 1) throw new Error('group check failed');
  const rss = process.memoryUsage().rss;

  await app.close();
  await database.close();

  console.log(
    `Directory of ${USERS} users, ${CONCURRENCY} concurrent clients, Node ${process.version}, ${os.cpus().length} cores\n`,
  );
  console.log('| operation | requests | concurrency | req/s | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, count, concurrency, r] of results) {
    console.log(
      `| ${name} | ${count} | ${concurrency} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
    );
  }
  console.log(`\nServer + client process RSS at the end: ${(rss / 1024 / 1024).toFixed(0)} MB`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

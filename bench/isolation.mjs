// `npm run bench:isolation`: does one tenant's huge transaction stall another's writes? One directory (sandbox)
// removes all members of a large group in one PATCH (one event per member, one transaction) while another
// environment's directory (production) creates users one after another. Two server processes
// (`node dist/src/main.js`) on one database, so what is measured is the database (the event commit lock),
// not one event loop serving both. Prints a Markdown table for bench/RESULTS.md.
import os from 'node:os';
import { performance } from 'node:perf_hooks';

import { graphqlClient, openBenchDatabase, percentile, startServer } from './lib.mjs';

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1_000); // members added per PATCH
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8); // user creates in flight while seeding
const BASELINE_SECONDS = Number(process.env.BENCH_BASELINE_SECONDS ?? 5);

function scimClient(base, directoryId, token) {
  return async (method, path, body) => {
    const res = await fetch(`${base}/scim/v2/${directoryId}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

async function createDirectory(gql, name) {
  const org = (await gql('mutation($n: String!) { createOrganization(input: { name: $n }) { id } }', { n: name }))
    .createOrganization;
  const created = await gql(
    'mutation($o: ID!, $n: String!) { createDirectory(input: { organizationId: $o, name: $n, provider: OKTA }) { token directory { id } } }',
    {
      o: org.id,
      n: name,
    },
  );
  return created.createDirectory;
}

const userBody = (prefix, i) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: `${prefix}${i}@bench.example`,
  name: { givenName: `Given${i}`, familyName: `Family${i % 100}` },
  emails: [{ value: `${prefix}${i}@bench.example`, type: 'work', primary: true }],
  active: true,
});

const patch = (...Operations) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations });

/** Creates users in the other environment one at a time until `done()`; returns sorted latencies (ms). */
async function createLoop(scim, prefix, done) {
  const latencies = [];
  for (let i = 0; !done(); i++) {
    const t0 = performance.now();
    await scim('POST', '/Users', userBody(prefix, i));
    latencies.push(performance.now() - t0);
  }
  return latencies.sort((a, b) => a - b);
}

const ms = (value) => `${value.toFixed(1)} ms`;

async function main() {
  const database = await openBenchDatabase('isolation');
  const big = await startServer(database.url);
  const other = await startServer(database.url);
  try {
    const bigDir = await createDirectory(graphqlClient(big.url, big.key), 'big');
    const otherDir = await createDirectory(graphqlClient(other.url, big.productionKey), 'other');
    const bigScim = scimClient(big.url, bigDir.directory.id, bigDir.token);
    const otherScim = scimClient(other.url, otherDir.directory.id, otherDir.token);

    const seedStarted = performance.now();
    const ids = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < USERS) {
          const i = next++;
          ids[i] = (await bigScim('POST', '/Users', userBody('big', i))).id;
        }
      }),
    );
    const group = await bigScim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Everyone',
    });
    for (let i = 0; i < USERS; i += BATCH) {
      await bigScim(
        'PATCH',
        `/Groups/${group.id}`,
        patch({ op: 'Add', path: 'members', value: ids.slice(i, i + BATCH).map((value) => ({ value })) }),
      );
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    const baselineEnd = performance.now() + BASELINE_SECONDS * 1000;
    const baseline = await createLoop(otherScim, 'baseline', () => performance.now() > baselineEnd);

    let removing = true;
    const removeStarted = performance.now();
    const removal = bigScim('PATCH', `/Groups/${group.id}`, patch({ op: 'Remove', path: 'members' })).finally(() => {
      removing = false;
    });
    const during = await createLoop(otherScim, 'during', () => !removing);
    await removal;
    const removeSeconds = (performance.now() - removeStarted) / 1000;

    const row = (name, list) =>
      `| ${name} | ${list.length} | ${ms(percentile(list, 50))} | ${ms(percentile(list, 99))} | ${ms(list[list.length - 1])} |`;
    console.log(`\nTwo server processes on one database; Node ${process.version}, ${os.cpus().length} cores\n`);
    console.log(`Seed: ${USERS} users and ${USERS / BATCH} member PATCHes of ${BATCH} in ${seedSeconds.toFixed(1)} s.`);
    console.log(
      `Removal of all ${USERS} members in one PATCH (${USERS} events, one transaction): ${removeSeconds.toFixed(1)} s.\n`,
    );
    console.log('| other environment, POST /Users one at a time | creates | p50 | p99 | max |');
    console.log('|---|---:|---:|---:|---:|');
    console.log(row(`before the removal (${BASELINE_SECONDS} s)`, baseline));
    console.log(row('while the removal runs', during));
  } finally {
    await big.stop();
    await other.stop();
    await database.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

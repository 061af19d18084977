// `npm run bench:events`: live provisioning events to 1,000 graphql-ws subscribers.
//
// Process A (`node dist/src/main.js`) holds every subscription; process B (a second `node dist/src/main.js`
// on the same PostgreSQL) takes SCIM writes at a steady rate from a load generator in a worker thread, so
// events reach A only through LISTEN/NOTIFY. Latency is measured to the subscriber's receipt from two
// points: the write's 201 answer (its transaction had committed: commit → receipt is at least this), and
// `committed_at`, which the sequencer stamps when it publishes the event (clock_timestamp()). Same machine,
// same clock.
// Prints a Markdown report for bench/RESULTS.md.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';

import { graphqlClient, openBenchDatabase, percentile, startServer } from './lib.mjs';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
const DIRECTORIES = Number(process.env.BENCH_DIRECTORIES ?? 100);
const RATE = Number(process.env.BENCH_RATE ?? 200); // SCIM writes per second
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
/** `directory`: each subscriber watches one directory; `environment`: every subscriber gets every event. */
const MODE = process.env.BENCH_MODE ?? 'directory';

const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function main() {
  const database = await openBenchDatabase('bench-events');
  const databaseUrl = database.url;
  const env = { NODE_ENV: 'production', ENCRYPTION_KEY: '33'.repeat(32) };
  const a = await startServer(databaseUrl, env); // subscriptions
  const b = await startServer(databaseUrl, env); // SCIM writes
  const key = a.key;
  const gql = graphqlClient(a.url, key);
  const org = (await gql('mutation { createOrganization(input: { name: "Bench" }) { id } }')).createOrganization;
  const directories = [];
  for (let i = 0; i < DIRECTORIES; i++) {
    const created = (
      await gql(
        'mutation($o: ID!) { createDirectory(input: { organizationId: $o, name: "bench", provider: OKTA }) { token directory { id } } }',
        { o: org.id },
      )
    ).createDirectory;
    directories.push({ id: created.directory.id, token: created.token });
  }

  // Activate every directory (its first SCIM request) before measuring.
  for (const d of directories)
    await fetch(`${b.url}/scim/v2/${d.id}/Users?count=0`, { headers: { authorization: `Bearer ${d.token}` } });

  const rssBefore = rssMb(a.child.pid);
  console.error(`${DIRECTORIES} directories ready; connecting ${SUBSCRIBERS} subscribers`);
  const receipts = []; // [eventId, receivedAtMs]
  const clients = [];
  let subscribed = 0;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const client = createClient({
      url: `${a.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      lazy: false,
      retryAttempts: 0,
    });
    clients.push(client);
    const variables = MODE === 'environment' ? {} : { directoryId: directories[i % DIRECTORIES].id };
    await new Promise((resolve, reject) => {
      client.on('connected', resolve);
      client.on('error', reject);
    });
    client.subscribe(
      {
        query: 'subscription($directoryId: ID) { provisioningEvents(directoryId: $directoryId) { id sequence type } }',
        variables,
      },
      {
        next: (value) => receipts.push([value.data.provisioningEvents.id, performance.timeOrigin + performance.now()]),
        error: (error) => console.error('subscription error', error),
        complete: () => undefined,
      },
    );
    subscribed += 1;
  }
  // Let the subscribe messages reach the server, then read its memory with every socket live.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const rssSubscribed = rssMb(a.child.pid);
  console.error(`${subscribed} subscribed; writing`);

  const writer = new Worker(new URL('./events-writer.mjs', import.meta.url), {
    workerData: { base: b.url, directories, rate: RATE, seconds: SECONDS },
  });
  const writes = await new Promise((resolve, reject) => {
    writer.on('message', resolve);
    writer.on('error', reject);
  });
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // the last events in flight
  const rssAfter = rssMb(a.child.pid);

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const committed = new Map(
    (
      await db.query(
        "select id, extract(epoch from committed_at) * 1000 as at, data->'after'->>'userName' as user_name from events where type = 'dsync.user.created'",
      )
    ).rows.map((r) => [r.id, { at: Number(r.at), answeredAt: writes.answeredAt[r.user_name] }]),
  );
  await db.end();
  const latencies = receipts
    .filter(([id]) => committed.has(id))
    .map(([id, at]) => at - committed.get(id).at)
    .sort((x, y) => x - y);
  const fromAnswer = receipts
    .filter(([id]) => committed.get(id)?.answeredAt !== undefined)
    .map(([id, at]) => at - committed.get(id).answeredAt)
    .sort((x, y) => x - y);
  const expected = MODE === 'environment' ? committed.size * SUBSCRIBERS : committed.size * (SUBSCRIBERS / DIRECTORIES);

  for (const client of clients) await client.dispose();
  await a.stop();
  await b.stop();
  await database.close();

  const fmt = (n) => n.toFixed(1);
  console.log(
    `${SUBSCRIBERS} graphql-ws subscribers on process A (${MODE === 'environment' ? 'each on the whole environment' : `${SUBSCRIBERS / DIRECTORIES} per directory, ${DIRECTORIES} directories`}); ` +
      `SCIM POST /Users to process B at ${RATE}/s for ${SECONDS} s; Node ${process.version}, ${os.cpus().length} cores\n`,
  );
  console.log('| measure | value |\n|---|---:|');
  console.log(
    `| SCIM writes sent / answered 201 | ${writes.sent} / ${writes.ok} (all answered within ${fmt(writes.seconds)} s: ${fmt(writes.ok / writes.seconds)}/s; request p50 ${fmt(writes.p50)} ms, p99 ${fmt(writes.p99)} ms) |`,
  );
  console.log(`| events committed | ${committed.size} |`);
  console.log(`| deliveries expected / received | ${expected} / ${latencies.length} |`);
  console.log(`| 201 answered → subscriber p50 | ${fmt(percentile(fromAnswer, 50))} ms |`);
  console.log(`| 201 answered → subscriber p99 | ${fmt(percentile(fromAnswer, 99))} ms |`);
  console.log(`| 201 answered → subscriber max | ${fmt(fromAnswer.at(-1))} ms |`);
  console.log(`| published (committed_at) → subscriber p50 | ${fmt(percentile(latencies, 50))} ms |`);
  console.log(`| published (committed_at) → subscriber p99 | ${fmt(percentile(latencies, 99))} ms |`);
  console.log(`| published (committed_at) → subscriber max | ${fmt(latencies.at(-1))} ms |`);
  console.log(
    `| process A RSS: before sockets / ${subscribed} subscribed / after load | ${fmt(rssBefore)} / ${fmt(rssSubscribed)} / ${fmt(rssAfter)} MB |`,
  );
  console.log(`| RSS growth for the sockets (subscribed − before) | ${fmt(rssSubscribed - rssBefore)} MB |`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

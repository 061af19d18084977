// `npm run bench:webhooks`: webhook deliveries from one server process (`node dist/src/main.js`, default
// WEBHOOK_WORKERS) to a local receiver in this process that verifies nothing and answers 200 at once.
//
// Burst: 10,000 `dsync.group.user_added` events committed within a few transactions (group PATCHes adding
// 1,000 members each) → deliveries/s while the queue drains. Steady: events at a fixed rate below capacity
// → latency from publication (the sequencer's `committed_at`, shortly after the commit) to receipt. Prints Markdown for RESULTS.md.
import { createServer } from 'node:http';
import os from 'node:os';
import pg from 'pg';

import { graphqlClient, openBenchDatabase, percentile, startServer } from './lib.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const STEADY_RATE = Number(process.env.BENCH_STEADY_RATE ?? 200); // events per second
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 20);
const BATCH = 1_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const database = await openBenchDatabase('bench-webhooks');
  const databaseUrl = database.url;

  // The receiver: records arrival time per webhook-id.
  const arrivals = new Map();
  let requests = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      const id = req.headers['webhook-id'];
      if (!arrivals.has(id)) arrivals.set(id, performance.timeOrigin + performance.now());
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

  // Development mode: the receiver is on loopback, which the production SSRF guard refuses.
  const server = await startServer(databaseUrl, {
    ENCRYPTION_KEY: '22'.repeat(32),
    ...(process.env.WEBHOOK_WORKERS ? { WEBHOOK_WORKERS: process.env.WEBHOOK_WORKERS } : {}),
  });
  const base = server.url;
  const gql = graphqlClient(base, server.key);
  const org = (await gql('mutation { createOrganization(input: { name: "Bench" }) { id } }')).createOrganization;
  const dir = (
    await gql(
      'mutation($o: ID!) { createDirectory(input: { organizationId: $o, name: "b", provider: OKTA }) { token directory { id } } }',
      { o: org.id },
    )
  ).createDirectory;
  const scim = async (method, p, body) => {
    const res = await fetch(`${base}/scim/v2/${dir.directory.id}${p}`, {
      method,
      headers: { authorization: `Bearer ${dir.token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const users = [];
  for (let i = 0; i < BATCH; i++)
    users.push(
      (
        await scim('POST', '/Users', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `u${i}@bench.example`,
        })
      ).id,
    );
  const patch = (ops) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: ops });
  // Burst: the events exist before the endpoint; replayEvents queues all of them in one transaction, so the
  // drain measures delivery alone (not the writes that made the events).
  const since = new Date(Date.now() - 60_000).toISOString();
  for (let g = 0; g < EVENTS / BATCH; g++) {
    const group = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: `burst ${g}`,
    });
    await scim(
      'PATCH',
      `/Groups/${group.id}`,
      patch([{ op: 'add', path: 'members', value: users.map((value) => ({ value })) }]),
    );
  }
  const hook = (
    await gql(
      'mutation($u: String!) { createWebhook(input: { url: $u, eventTypes: ["dsync.group.user_added"] }) { webhook { id } } }',
      { u: receiverUrl },
    )
  ).createWebhook.webhook;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const committedAt = async () =>
    new Map(
      (
        await db.query(
          "select id, extract(epoch from committed_at) * 1000 as at from events where type = 'dsync.group.user_added'",
        )
      ).rows.map((r) => [r.id, Number(r.at)]),
    );
  let committed = await committedAt();
  const burstIds = [...committed.keys()];
  const replayStart = performance.timeOrigin + performance.now();
  const queued = (
    await gql('mutation($w: ID!, $s: DateTime!) { replayEvents(webhookId: $w, since: $s) }', { w: hook.id, s: since })
  ).replayEvents;
  const queuedAt = performance.timeOrigin + performance.now();
  while (burstIds.some((id) => !arrivals.has(id))) await sleep(20);
  const lastArrival = Math.max(...burstIds.map((id) => arrivals.get(id)));
  const drainSeconds = (lastArrival - queuedAt) / 1000;

  // Steady: STEADY_RATE events/s as 10 adds of (STEADY_RATE/10) members per second, to fresh groups.
  const perPatch = Math.max(1, Math.round(STEADY_RATE / 10));
  const steadyGroup = (
    await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'steady' })
  ).id;
  const started = performance.now();
  let cursor = 0;
  for (let tick = 0; tick < STEADY_SECONDS * 10; tick++) {
    const due = started + tick * 100;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const slice = [];
    for (let i = 0; i < perPatch; i++) slice.push(users[cursor++ % users.length]);
    if (cursor % users.length < perPatch)
      await scim('PATCH', `/Groups/${steadyGroup}`, patch([{ op: 'remove', path: 'members' }]));
    await scim(
      'PATCH',
      `/Groups/${steadyGroup}`,
      patch([{ op: 'add', path: 'members', value: slice.map((value) => ({ value })) }]),
    );
  }
  committed = await committedAt();
  const steadyIds = [...committed.keys()].filter((id) => !burstIds.includes(id));
  while (steadyIds.some((id) => !arrivals.has(id))) await sleep(50);
  const latencies = steadyIds.map((id) => arrivals.get(id) - committed.get(id)).sort((a, b) => a - b);
  await db.end();

  await server.stop();
  receiver.close();
  await database.close();

  console.log(
    `One server process (default WEBHOOK_WORKERS${process.env.WEBHOOK_WORKERS ? `=${process.env.WEBHOOK_WORKERS}` : ''}), receiver in the bench process answering 200; Node ${process.version}, ${os.cpus().length} cores\n`,
  );
  console.log('| measure | value |\n|---|---:|');
  console.log(
    `| burst: events queued by one replayEvents call (took ${((queuedAt - replayStart) / 1000).toFixed(1)} s) | ${queued} |`,
  );
  console.log(`| burst: queued → last receipt | ${drainSeconds.toFixed(1)} s |`);
  console.log(`| burst: deliveries/s | ${(burstIds.length / drainSeconds).toFixed(0)} |`);
  console.log(`| steady: events at ${STEADY_RATE}/s for ${STEADY_SECONDS} s | ${steadyIds.length} |`);
  console.log(
    `| steady: commit → receipt p50 / p99 / max | ${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} / ${latencies.at(-1).toFixed(1)} ms |`,
  );
  console.log(`| HTTP requests received (all, incl. retries and duplicates) | ${requests} |`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

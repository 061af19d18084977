import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import WebSocket from 'ws';

import { connectedClient, subscribeEvents } from '../fixtures/events.js';
import { graphql } from '../fixtures/graphql.js';
import { startReceiver } from '../fixtures/receiver.js';
import { createTestDirectory, scimUserBody } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { subscribe, wsClient } from '../fixtures/ws.js';
import { startTestApp, withTestApp, type TestApp } from '../setup/app.js';

// GET /metrics through the real server: Prometheus text format, SCIM counters that move with real requests.

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/;

/** Parses the Prometheus text exposition format (0.0.4); throws on any line it does not allow. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) (.+)$/.exec(line);
    if (comment) {
      if (comment[1] === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(comment[3]);
        typed.add(comment[2]!);
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const pair of match[2] ? match[2].split(/,(?=[a-zA-Z_])/) : []) {
      const label = LABEL.exec(pair);
      if (!label) throw new Error(`malformed label ${JSON.stringify(pair)} in ${JSON.stringify(line)}`);
      labels[label[1]!] = label[2]!;
    }
    // Values are Go floats: Prometheus also reads NaN and ±Inf in any case (prom-client writes `Nan`).
    const special = /^(?:nan|[+-]?inf)$/i.test(match[3]!);
    const value = special ? Number.NaN : Number(match[3]);
    if (!special && (match[3] === '' || Number.isNaN(value))) {
      throw new Error(`malformed value in ${JSON.stringify(line)}`);
    }
    const family = match[1]!.replace(/_(bucket|sum|count)$/, '');
    if (!typed.has(match[1]!) && !typed.has(family)) throw new Error(`sample without # TYPE: ${line}`);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

async function scrape(url: string): Promise<{ samples: Sample[]; text: string }> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { samples: parseExposition(text), text };
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SCIM_RATE_LIMIT: '0.001', SCIM_RATE_BURST: '4' });
});
afterAll(async () => {
  await t.close();
});

/** Runs `test` against one more app (no webhook workers: fewer connections), closed after. */
const withApp = (env: Record<string, string>, test: (app: TestApp) => Promise<void>) =>
  withTestApp({ WEBHOOK_WORKERS: '0', ...env }, t.database, test);

describe('GET /metrics', () => {
  it('counts SCIM requests by method, resource and status class, rate-limited ones and relayed events', async () => {
    const { scim, directoryId, token } = await createTestDirectory(t.url, t.sandboxKey);
    expect((await scim.post('/Users', scimUserBody())).status).toBe(201);
    expect((await scim.get('/Users?count=1')).status).toBe(200);
    expect((await scim.get('/ServiceProviderConfig')).status).toBe(200);
    expect((await scim.get('/Nothing')).status).toBe(404);
    expect((await scim.get('/Users?count=1')).status).toBe(429); // the burst of 4 is spent

    const { samples, text } = await scrape(t.url);
    const requests = 'dsync_scim_requests_total';
    expect(value(samples, requests, { method: 'POST', resource: 'Users', status: '2xx' })).toBe(1);
    expect(value(samples, requests, { method: 'GET', resource: 'Users', status: '2xx' })).toBe(1);
    expect(value(samples, requests, { method: 'GET', resource: 'discovery', status: '2xx' })).toBe(1);
    expect(value(samples, requests, { method: 'GET', resource: 'other', status: '4xx' })).toBe(1);
    expect(value(samples, requests, { method: 'GET', resource: 'Users', status: '4xx' })).toBe(1);
    expect(value(samples, 'dsync_scim_rate_limited_total')).toBe(1);
    expect(value(samples, 'dsync_scim_request_duration_seconds_count', { method: 'POST', resource: 'Users' })).toBe(1);
    expect(value(samples, 'dsync_db_pool_connections_in_use')).toBeGreaterThanOrEqual(0);
    expect(samples.some((s) => s.name === 'dsync_db_pool_requests_waiting')).toBe(true);
    expect(samples.some((s) => s.name === 'dsync_graphql_subscriptions_open')).toBe(true);
    expect(value(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // No per-directory label, and never a secret.
    expect(text).not.toContain(directoryId);
    expect(text).not.toContain(token);

    await waitUntil(
      async () =>
        value((await scrape(t.url)).samples, 'dsync_events_relayed_total', { type: 'dsync.user.created' }) >= 1,
      { what: 'dsync_events_relayed_total{type="dsync.user.created"} to count the created user' },
    );
  });

  it('counts open subscriptions and webhook attempts by outcome', async () => {
    const metric = async (name: string, labels: Record<string, string> = {}) =>
      value((await scrape(t.url)).samples, name, labels);
    const client = wsClient(t.url, `Bearer ${t.sandboxKey}`);
    const subscription = subscribe(client, 'subscription { provisioningEvents { id } }');
    await waitUntil(async () => (await metric('dsync_graphql_subscriptions_open')) === 1, {
      what: 'dsync_graphql_subscriptions_open to reach 1',
    });
    subscription.unsubscribe();
    await waitUntil(async () => (await metric('dsync_graphql_subscriptions_open')) === 0, {
      what: 'dsync_graphql_subscriptions_open back to 0 after unsubscribing',
    });
    await client.dispose();

    const receiver = await startReceiver();
    try {
      const created = await graphql(
        t.url,
        t.sandboxKey,
        'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }',
        { input: { url: receiver.url } },
      );
      expect(created.errors).toBeUndefined();
      const { scim } = await createTestDirectory(t.url, t.sandboxKey);
      expect((await scim.post('/Users', scimUserBody())).status).toBe(201);
      await waitUntil(async () => (await metric('dsync_webhook_attempts_total', { outcome: 'succeeded' })) >= 1, {
        what: 'dsync_webhook_attempts_total{outcome="succeeded"} after a delivered event',
      });
    } finally {
      await receiver.close();
    }
  });

  it('is served on METRICS_PORT alone when that is set', async () => {
    await withApp({ METRICS_PORT: '0' }, async (separate) => {
      expect(separate.app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(separate.app.metricsUrl).not.toBe(separate.url);
      const { samples } = await scrape(separate.app.metricsUrl!);
      expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
      expect((await fetch(`${separate.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${separate.app.metricsUrl!}/graphql`)).status).toBe(404);
    });
  });

  it('is not served with METRICS_ENABLED=false', async () => {
    await withApp({ METRICS_ENABLED: 'false' }, async (off) => {
      expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
    });
  });

  it('counts each recorded event once across two processes, by type', async () => {
    await withApp({}, async (other) => {
      const type = { type: 'dsync.user.created' };
      const before = value((await scrape(t.url)).samples, 'dsync_events_recorded_total', type);
      const relayedBefore = value((await scrape(t.url)).samples, 'dsync_events_relayed_total', type);
      const { scim } = await createTestDirectory(t.url, t.sandboxKey);
      const users = 3;
      for (let i = 0; i < users; i += 1) expect((await scim.post('/Users', scimUserBody())).status).toBe(201);
      // Once both processes have relayed every event, every one of them was published (and counted) already.
      await waitUntil(
        async () =>
          value((await scrape(t.url)).samples, 'dsync_events_relayed_total', type) - relayedBefore >= users &&
          value((await scrape(other.url)).samples, 'dsync_events_relayed_total', type) >= users,
        { what: `both processes to relay the ${users} dsync.user.created events` },
      );
      const recorded =
        value((await scrape(t.url)).samples, 'dsync_events_recorded_total', type) -
        before +
        value((await scrape(other.url)).samples, 'dsync_events_recorded_total', type);
      expect(recorded).toBe(users);
    });
  });

  it('times live events from publication to a subscriber, not caught-up ones', async () => {
    const lagCount = async () => value((await scrape(t.url)).samples, 'dsync_event_subscriber_lag_seconds_count');
    const { scim, directoryId } = await createTestDirectory(t.url, t.sandboxKey);
    const relayed = () => metric('dsync_events_relayed_total', { type: 'dsync.user.created' });
    const relayedBefore = await relayed();
    expect((await scim.post('/Users', scimUserBody())).status).toBe(201);
    // Publication is asynchronous: the first event must have reached this process before anyone subscribes,
    // or the "live" subscription would see it live.
    await waitUntil(async () => (await relayed()) > relayedBefore, {
      what: 'the first dsync.user.created event to reach this process',
    });
    const client = await connectedClient(t.url, t.sandboxKey);
    try {
      const before = await lagCount();
      // Caught up from the table (after sequence 0): handed out, but not timed.
      const types = ['dsync.user.created'];
      const replay = subscribeEvents(client, { directoryId, types, afterSequence: 0 });
      const live = subscribeEvents(client, { directoryId, types });
      await replay.take(1);
      await waitUntil(async () => (await metric('dsync_graphql_subscriptions_open')) === 2, {
        what: 'both subscriptions to be open',
      });
      expect(await lagCount()).toBe(before);
      expect((await scim.post('/Users', scimUserBody())).status).toBe(201);
      await live.take(1);
      await replay.take(2);
      // The live subscription times it; the resumed one too once it has switched to live (it may not have yet).
      const after = await waitUntil(async () => (await lagCount()) >= before + 1 && lagCount(), {
        what: 'dsync_event_subscriber_lag_seconds_count to count the live event',
      });
      expect(after).toBeLessThanOrEqual(before + 2);
      replay.unsubscribe();
      live.unsubscribe();
    } finally {
      await client.dispose();
    }
  });

  it('counts a subscription closed by a dropped connection out of the open gauge', async () => {
    const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    const messages: { type: string }[] = [];
    socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as { type: string }));
    await waitUntil(() => socket.readyState === WebSocket.OPEN, { what: 'the WebSocket to open' });
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.sandboxKey}` } }));
    await waitUntil(() => messages.some((m) => m.type === 'connection_ack'), { what: 'connection_ack' });
    socket.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { provisioningEvents { id } }' } }),
    );
    await waitUntil(async () => (await metric('dsync_graphql_subscriptions_open')) === 1, {
      what: 'dsync_graphql_subscriptions_open to reach 1',
    });
    socket.terminate(); // no close frame: the TCP connection just ends
    await waitUntil(async () => (await metric('dsync_graphql_subscriptions_open')) === 0, {
      what: 'dsync_graphql_subscriptions_open back to 0 after the connection dropped',
    });
  });

  it('times delivered webhooks, ages the oldest pending delivery, and logs one warn line per failed attempt', async () => {
    const receiver = await startReceiver();
    try {
      // The production environment: endpoints of the sandbox (earlier tests) get none of these events.
      const created = await graphql<{ createWebhook: { webhook: { id: string } } }>(
        t.url,
        t.productionKey,
        'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }',
        { input: { url: `${receiver.url}?token=query-secret`, eventTypes: ['dsync.user.created'] } },
      );
      expect(created.errors).toBeUndefined();
      const webhookId = created.data!.createWebhook.webhook.id;
      const { scim } = await createTestDirectory(t.url, t.productionKey);
      const before = await scrape(t.url);
      const lagBefore = value(before.samples, 'dsync_webhook_delivery_lag_seconds_count');
      const succeededBefore = value(before.samples, 'dsync_webhook_attempts_total', { outcome: 'succeeded' });
      expect((await scim.post('/Users', scimUserBody())).status).toBe(201);
      await receiver.until((all) => all.length === 1, { what: 'the webhook of the created user' });
      await waitUntil(
        async () => {
          const { samples } = await scrape(t.url);
          return (
            value(samples, 'dsync_webhook_attempts_total', { outcome: 'succeeded' }) === succeededBefore + 1 &&
            value(samples, 'dsync_webhook_delivery_lag_seconds_count') === lagBefore + 1
          );
        },
        { what: 'one succeeded attempt and one dsync_webhook_delivery_lag_seconds observation' },
      );

      receiver.respond = () => ({ status: 503, body: 'response-body-secret' });
      expect((await scim.post('/Users', scimUserBody())).status).toBe(201);
      await receiver.until((all) => all.length === 2, { what: 'the failing attempt' });
      await waitUntil(async () => (await metric('dsync_webhook_oldest_pending_seconds')) > 0, {
        what: 'dsync_webhook_oldest_pending_seconds above 0 while the delivery waits for its retry',
      });
      const failures = await waitUntil(
        () => {
          const lines = t.logs.filter((line) => line.webhookId === webhookId && line.level === 40 /* warn */);
          return lines.length > 0 && lines;
        },
        { what: 'a warn log line for the failed webhook attempt' },
      );
      expect(failures).toHaveLength(1);
      const [failure] = failures;
      expect(failure).toMatchObject({ statusCode: 503, attempt: 1 });
      expect(new Date(failure!.nextAttemptAt as string).getTime()).toBeGreaterThan(Date.now());
      const raw = JSON.stringify(failure);
      expect(raw).not.toContain('response-body-secret');
      expect(raw).not.toContain('query-secret');
      expect(raw).not.toContain(receiver.secret || 'no secret');
      // Only that one line for that attempt.
      expect(t.logs.filter((line) => JSON.stringify(line).includes(webhookId))).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('still answers a scrape when the database cannot be read', async () => {
    await withApp({}, async (broken) => {
      expect(value((await scrape(broken.url)).samples, 'dsync_webhook_oldest_pending_seconds')).not.toBeNaN();
      await broken.app.orm.close(true);
      const { samples } = await scrape(broken.url);
      expect(value(samples, 'dsync_webhook_oldest_pending_seconds')).toBeNaN();
      expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
      expect(broken.logs.some((line) => line.msg === 'a metric could not be read from the database')).toBe(true);
    });
  });
});

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  return value((await scrape(t.url)).samples, name, labels);
}

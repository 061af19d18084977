import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { graphql } from '../fixtures/graphql.js';
import { startReceiver } from '../fixtures/receiver.js';
import { createTestDirectory, scimUserBody } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { subscribe, wsClient } from '../fixtures/ws.js';
import { startTestApp, type TestApp } from '../setup/app.js';

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
async function withApp(env: Record<string, string>, test: (app: TestApp) => Promise<void>): Promise<void> {
  const app = await startTestApp({ WEBHOOK_WORKERS: '0', ...env }, t.database);
  try {
    await test(app);
  } finally {
    await app.close();
  }
}

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
});

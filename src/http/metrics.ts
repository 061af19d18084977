import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the database pool reports: connections handed out and requests waiting for one. */
export interface PoolStats {
  readonly used: number;
  readonly waiting: number;
}

/** What the metrics read at scrape time, besides the process itself. */
export interface MetricSources {
  readonly poolStats: () => PoolStats;
  /** Seconds since the oldest pending webhook delivery was created; `null` when none is pending. */
  readonly oldestPendingDeliverySeconds: () => Promise<number | null>;
  /** Told why a source failed (the scrape still answers, without that value). */
  readonly onSourceFailed: (error: unknown) => void;
}

/**
 * This process's Prometheus metrics. Labels are bounded sets (methods, resource kinds, status classes, event
 * types, outcomes): never a directory, user or path, whose values are unbounded.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Counts and times SCIM requests (place it before the SCIM router). */
  readonly scimMiddleware: Middleware;
  /** One event relayed to this process, by type. */
  eventRelayed(type: string): void;
  /** Events this process's sequencer published in one committed round, counted by type. */
  eventsPublished(countsByType: Readonly<Record<string, number>>): void;
  /** A live event, published at `committedAt`, handed to a subscriber's socket now. */
  eventToSubscriber(committedAt: Date): void;
  /** One webhook attempt settled: `succeeded`, `retrying` or `failed`. */
  webhookAttempt(outcome: 'succeeded' | 'retrying' | 'failed'): void;
  /** A delivery due since `dueSince` (its event's publication, or a redeliver/replay) succeeded now. */
  webhookDelivered(dueSince: Date): void;
  readonly subscriptionsOpen: Gauge;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const DISCOVERY = new Set(['ServiceProviderConfig', 'ResourceTypes', 'Schemas']);
const SCIM_PATH = /^(?:\/scim\/v2\/[^/]+|\/org\/[^/]+\/scim\/v2)(?:\/([^/]+))?/;

/**
 * `Users`, `Groups` (their `/.search` included), `Bulk`, `search` (the root `/.search`), `discovery` or
 * `other` for a SCIM path; `undefined` for any other path.
 */
export function scimResourceOf(path: string): string | undefined {
  const match = SCIM_PATH.exec(path);
  if (!match) return undefined;
  const resource = match[1];
  if (resource === 'Users' || resource === 'Groups' || resource === 'Bulk') return resource;
  if (resource === '.search') return 'search';
  return resource && DISCOVERY.has(resource) ? 'discovery' : 'other';
}

/** Creates the metrics of one app (its own registry, so that several apps in one process stay apart). */
export function createMetrics({ poolStats, oldestPendingDeliverySeconds, onSourceFailed }: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'resource', 'status'] as const;
  const requests = new Counter({
    name: 'dsync_scim_requests_total',
    help: 'SCIM requests answered, by method, resource (Users, Groups, Bulk, search, discovery, other) and status class',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'dsync_scim_request_duration_seconds',
    help: 'Time to answer a SCIM request, by method, resource and status class',
    labelNames,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'dsync_scim_rate_limited_total',
    help: 'SCIM requests refused with 429 by the per-directory rate limit',
    registers: [registry],
  });
  const events = new Counter({
    name: 'dsync_events_relayed_total',
    help: 'Committed events this process received from the event relay, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const recorded = new Counter({
    name: 'dsync_events_recorded_total',
    help:
      'Events published (numbered) by this process, by type. Any process may publish an event written by any ' +
      'process, and each event is published exactly once: the sum over all processes counts every recorded event once',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const lagBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
  const subscriberLag = new Histogram({
    name: 'dsync_event_subscriber_lag_seconds',
    help:
      "Time from an event's publication (events.committed_at: numbered by the sequencer after its transaction " +
      'committed) to its hand-over to a GraphQL subscription socket in this process; live events only, not catch-up',
    buckets: lagBuckets,
    registers: [registry],
  });
  const webhookLag = new Histogram({
    name: 'dsync_webhook_delivery_lag_seconds',
    help:
      "Time from an event's publication (events.committed_at) to its successful webhook delivery by this process, " +
      'retries included; for a redelivery or replay, from its request',
    buckets: lagBuckets,
    registers: [registry],
  });
  new Gauge({
    name: 'dsync_webhook_oldest_pending_seconds',
    help:
      'Age of the oldest webhook delivery still pending (all endpoints, database-wide); 0 when none is pending, ' +
      'NaN when the database did not answer',
    registers: [registry],
    async collect() {
      try {
        this.set((await withTimeout(oldestPendingDeliverySeconds(), SOURCE_TIMEOUT_MS)) ?? 0);
      } catch (error) {
        // The scrape still answers (pool, process and counters); the gauge says "unknown" rather than stale.
        this.set(Number.NaN);
        onSourceFailed(error);
      }
    },
  });
  const webhooks = new Counter({
    name: 'dsync_webhook_attempts_total',
    help: 'Webhook delivery attempts made by this process, by outcome (succeeded, retrying, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const subscriptionsOpen = new Gauge({
    name: 'dsync_graphql_subscriptions_open',
    help: 'GraphQL event subscriptions open in this process',
    registers: [registry],
  });
  new Gauge({
    name: 'dsync_db_pool_connections_in_use',
    help: 'Connections of the API/SCIM database pool handed out',
    registers: [registry],
    collect() {
      this.set(poolStats().used);
    },
  });
  new Gauge({
    name: 'dsync_db_pool_requests_waiting',
    help: 'Requests waiting for a connection of the API/SCIM database pool',
    registers: [registry],
    collect() {
      this.set(poolStats().waiting);
    },
  });

  const scimMiddleware: Middleware = async (ctx, next) => {
    const resource = scimResourceOf(ctx.path);
    if (!resource) {
      await next();
      return;
    }
    const stop = duration.startTimer();
    try {
      await next();
    } finally {
      const labels = {
        method: METHODS.has(ctx.method) ? ctx.method : 'other',
        resource,
        status: `${Math.floor(ctx.status / 100)}xx`,
      };
      stop(labels);
      requests.inc(labels);
      if (ctx.status === 429) rateLimited.inc();
    }
  };

  return {
    registry,
    scimMiddleware,
    eventRelayed: (type) => events.inc({ type }),
    eventsPublished: (countsByType) => {
      for (const [type, count] of Object.entries(countsByType)) recorded.inc({ type }, count);
    },
    eventToSubscriber: (committedAt) => subscriberLag.observe(secondsSince(committedAt)),
    webhookAttempt: (outcome) => webhooks.inc({ outcome }),
    webhookDelivered: (dueSince) => webhookLag.observe(secondsSince(dueSince)),
    subscriptionsOpen,
  };
}

/** A scrape waits this long for the database at most (a pool waiting for a connection would hang it). */
const SOURCE_TIMEOUT_MS = 2_000;

/** `promise`, or a rejection after `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Seconds from `then` to now; never negative (the database's clock may be a little ahead of this host's). */
function secondsSince(then: Date): number {
  return Math.max(0, (Date.now() - then.getTime()) / 1000);
}

/** `GET /metrics` in the Prometheus text format. */
export function metricsRouter(registry: Registry): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}

/** A server of its own answering only `GET /metrics` (METRICS_PORT), so that it need not be public. */
export function metricsServer(registry: Registry): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
}

/** Starts `server` on `port`; resolves with its base URL. */
export function listenOn(server: Server, port: number, host?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shownHost}:${address.port}`);
    });
  });
}

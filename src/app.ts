import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { koaMiddleware } from '@as-integrations/koa';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';

import { purgeAuditEntriesBefore } from './audit/audit-log.js';
import { createAuditRecorder, requestOrigin } from './audit/recorder.js';
import type { Config } from './config.js';
import { initOrm, type MikroORM } from './db/orm.js';
import { requestContext } from './db/request-context.js';
import { sqlDatabase } from './db/sql.js';
import { purgeEventsBefore } from './events/event-log.js';
import type { DirectoryEvent } from './events/event-types.js';
import { createEventRelay, notifyAdminSessionsEnded, type EventRelay } from './events/notify.js';
import { createSequencer } from './events/sequencer.js';
import { createApollo } from './graphql/apollo.js';
import { authenticate } from './graphql/auth.js';
import { authorizationPlugin } from './graphql/authorization-plugin.js';
import { createContext, type GraphQLContext } from './graphql/context.js';
import { createFormatError, unauthenticated } from './graphql/errors.js';
import { storableTextRule } from './graphql/input-guard.js';
import { costLimitPlugin, depthRule } from './graphql/limits.js';
import { buildAppSchema } from './graphql/schema.js';
import { forgetScimAuthAfterMutations } from './graphql/scim-auth-plugin.js';
import { createGraphqlWs } from './graphql/ws.js';
import { cors } from './http/cors.js';
import { errorMiddleware } from './http/error-middleware.js';
import { healthRouter } from './http/health.js';
import { createMetrics, listenOn, metricsRouter, metricsServer, type Metrics } from './http/metrics.js';
import { requestLog, type RequestState } from './http/request-log.js';
import { SecretBox } from './lib/encryption.js';
import { errorMessage } from './lib/error-message.js';
import type { Logger } from './lib/logger.js';
import { createMailer } from './lib/mailer.js';
import { createRetentionJob } from './lib/retention.js';
import { portalRouter } from './portal/router.js';
import { cookieCredential, sessionCookie } from './portal/session-cookie.js';
import { scimRouter } from './scim/router.js';
import { authenticateAdminSession, signOut } from './tenancy/admin.service.js';
import { bootstrapEnvironments, type BootstrapKey } from './tenancy/environment.service.js';
import { createScimAuth } from './tenancy/scim-auth.js';
import { createScimRateLimiter } from './tenancy/scim-rate-limit.js';
import { createScimRequestLog } from './tenancy/scim-request-log.js';
import { oldestPendingDeliverySeconds } from './webhooks/backlog.js';
import { DeliveryStatus } from './webhooks/webhook.entity.js';
import { resealWebhookSecrets } from './webhooks/webhook.service.js';
import { createWebhookWorker } from './webhooks/worker.js';

export interface AppOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** The database to use; main.ts resolves DATABASE_URL or the embedded server into this. */
  readonly databaseUrl: string;
  /** AES-256 key sealing webhook secrets at rest (main.ts: ENCRYPTION_KEY or the key file). */
  readonly encryptionKey: Buffer;
  /** Receives every SQL statement (tests count them for query budgets). */
  readonly logQuery?: (sql: string) => void;
  /** The clock admin invitations and sessions expire by (tests move it); default: the system clock. */
  readonly now?: () => Date;
}

export interface App {
  readonly httpServer: Server;
  readonly orm: MikroORM;
  /** This process's feed of committed events (LISTEN/NOTIFY). */
  readonly relay: EventRelay;
  /** Deletes events older than EVENT_RETENTION_DAYS now (it also runs hourly); resolves with the count. */
  purgeExpiredEvents(): Promise<number>;
  /** Writes the SCIM request log entries queued so far (they are written within a second anyway). */
  flushScimRequestLog(): Promise<void>;
  /** Deletes audit log entries older than AUDIT_RETENTION_DAYS now (it also runs hourly); resolves with the count. */
  purgeExpiredAuditEntries(): Promise<number>;
  /** Plaintext API keys created by `bootstrap()` of this process (first start only), to be shown once. */
  readonly bootstrapKeys: readonly BootstrapKey[];
  /**
   * On the very first start (call it once listening): creates the environments and their API keys in one
   * transaction, awaits `announce` with the plaintext keys before committing (if showing them fails, nothing
   * is created and the next start tries again), and resolves with them; `[]` on every later start.
   */
  bootstrap(
    announce?: (keys: readonly BootstrapKey[]) => Promise<void>,
    options?: { withKeys?: boolean },
  ): Promise<readonly BootstrapKey[]>;
  /** Where `GET /metrics` is served on a port of its own (METRICS_PORT), once listening; else `undefined`. */
  readonly metricsUrl: string | undefined;
  /** Starts listening; resolves with the base URL, e.g. `http://127.0.0.1:8080`. */
  listen(port: number, host?: string): Promise<string>;
  /** Graceful stop: refuse new connections, finish in-flight requests, close sockets, then the database pool. */
  close(): Promise<void>;
}

const GRAPHQL_BODY_LIMIT = '1mb';

const COOKIE_REFUSED =
  "The portal's session cookie is accepted only from PUBLIC_URL's origin (a POST with content-type: application/json, " +
  'or a WebSocket opened from there); API clients send Authorization: Bearer …';

/**
 * The composition root: ORM, domain, Koa, Apollo and graphql-ws on one HTTP server. Starts nothing listening
 * and creates no environments (see `bootstrap`). When it fails, everything it started is stopped again.
 */
export async function createApp({
  config,
  logger,
  databaseUrl,
  encryptionKey,
  logQuery,
  now,
}: AppOptions): Promise<App> {
  // Everything that can refuse to start (migrations, the reseal that needs the right ENCRYPTION_KEY) runs
  // before anything is started in the background; on a failure, what was started is stopped again.
  const orm = await initOrm({
    clientUrl: databaseUrl,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    poolSize: config.databasePoolSize,
    ...(logQuery ? { logQuery } : {}),
  });
  const started: Stop[] = [() => orm.close(true)];
  try {
    return await composeApp({ config, logger, databaseUrl, encryptionKey, ...(now ? { now } : {}) }, orm, started);
  } catch (error) {
    await stopInReverse(started).catch(() => undefined);
    throw error;
  }
}

type Stop = () => Promise<unknown>;

/** Stops the last started first; every stop runs, the first failure is rethrown after. */
async function stopInReverse(started: readonly Stop[]): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (const stop of [...started].reverse()) {
    await stop().catch((error: unknown) => (failure ??= { error }));
  }
  if (failure) throw failure.error;
}

async function composeApp(
  { config, logger, databaseUrl, encryptionKey, now = () => new Date() }: AppOptions,
  orm: MikroORM,
  started: Stop[],
): Promise<App> {
  const fork = () => orm.em.fork();
  // Plain SQL on the ORM's pool: the provisioning aggregate (SCIM writes and reads, GraphQL directory data).
  const sql = sqlDatabase(orm);
  const metrics = config.metrics.enabled
    ? createMetrics({
        poolStats: () => poolStats(orm),
        oldestPendingDeliverySeconds: () => oldestPendingDeliverySeconds(sql),
        onSourceFailed: (error) => logger.warn({ err: error }, 'a metric could not be read from the database'),
      })
    : undefined;
  const box = new SecretBox(encryptionKey, config.previousEncryptionKeys);
  const policy = { allowPrivateNetworks: config.webhooks.allowPrivateNetworks, allowHttp: config.webhooks.allowHttp };
  const resealed = await resealWebhookSecrets(fork(), box).catch((error: unknown) => {
    throw new Error(
      `cannot read the stored webhook secrets: ${errorMessage(error)} (after changing ENCRYPTION_KEY, set ENCRYPTION_KEY_PREVIOUS to the former key)`,
    );
  });
  if (resealed > 0) logger.info({ resealed }, 'webhook secrets re-encrypted with the current ENCRYPTION_KEY');
  // Before the sequencer publishes an event: it queues deliveries with graphile-worker's add_job.
  const webhookWorker = createWebhookWorker({
    databaseUrl,
    sql,
    box,
    policy,
    logger,
    concurrency: config.webhooks.workers,
    retryDelaysMs: config.webhooks.retryDelaysMs,
    timeoutMs: config.webhooks.timeoutMs,
    staleLockMs: config.webhooks.staleLockMs,
    pollIntervalMs: config.webhooks.pollIntervalMs,
    ...(metrics
      ? { onAttempt: (status: DeliveryStatus, dueSince: Date) => countAttempt(metrics, status, dueSince) }
      : {}),
  });
  started.push(() => webhookWorker.stop());
  await webhookWorker.start();
  // Every process publishes events (numbers them, creates their deliveries); one at a time numbers.
  const sequencer = createSequencer({
    databaseUrl,
    logger,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    pollIntervalMs: config.eventsPollIntervalMs,
    ...(metrics
      ? { onPublished: (countsByType: Readonly<Record<string, number>>) => metrics.eventsPublished(countsByType) }
      : {}),
  });
  started.push(() => sequencer.close());
  await sequencer.start();
  // Writers wake this process's sequencer after their commit (no NOTIFY: PostgreSQL serializes notifying
  // commits, see docs/events.md); events committed elsewhere are found by its poll.
  const stopWaking = sql.onCommit(() => sequencer.wake());
  started.push(async () => stopWaking());
  orm.em.getEventManager().registerSubscriber({ afterTransactionCommit: () => sequencer.wake() });

  // X-Forwarded-For is trusted (ctx.ip, and the WebSocket upgrade's IP in ws.ts alike).
  const koa = new Koa<RequestState>({ proxy: config.trustProxy });
  // Koa composes its middleware when callback() is called, so the handler is attached after koa.use below.
  const httpServer = createServer();
  const production = config.nodeEnv === 'production';
  const relay = createEventRelay({ databaseUrl, sql, logger });
  const scimAuth = createScimAuth();
  const scimRateLimit = createScimRateLimiter({
    sql,
    ratePerSecond: config.scimRateLimit,
    burst: config.scimRateBurst,
  });
  relay.onScimAuthChanged((change) => scimAuth.forget(change));
  started.push(() => relay.close());
  if (metrics) relay.subscribe((event) => metrics.eventRelayed(event.type));
  await relay.start();
  const retention = createRetentionJob({
    what: 'events',
    purge: (cutoff) => purgeEventsBefore(sql, cutoff),
    logger,
    retentionDays: config.eventRetentionDays,
  });
  started.push(() => retention.stop());
  retention.start();
  // Stopped after the HTTP server drained (see apollo below), so that the last requests' entries are written.
  const scimRequestLog =
    config.scimRequestLog.size > 0
      ? createScimRequestLog({
          sql,
          logger,
          size: config.scimRequestLog.size,
          retentionDays: config.scimRequestLog.retentionDays,
        })
      : undefined;
  if (scimRequestLog) started.push(() => scimRequestLog.stop());
  const auditRetention = createRetentionJob({
    what: 'audit log entries',
    purge: (cutoff) => purgeAuditEntriesBefore(sql, cutoff),
    logger,
    retentionDays: config.auditRetentionDays,
  });
  started.push(() => auditRetention.stop());
  auditRetention.start();
  const events = {
    relay: metrics ? countingSubscriptions(relay, metrics) : relay,
    sql,
    retentionDays: config.eventRetentionDays,
    bufferLimit: config.subscriptionBufferLimit,
    ...(metrics ? { onLiveEvent: (event: DirectoryEvent) => metrics.eventToSubscriber(event.committedAt) } : {}),
  };
  const webhooks = { box, policy, timeoutMs: config.webhooks.timeoutMs };
  const mailer = config.smtp ? createMailer(config.smtp) : undefined;
  if (mailer) started.push(async () => mailer.close());
  const admins = {
    invitationTtlMs: config.admins.invitationTtlMs,
    invitationUrl: (token: string) => config.admins.invitationUrl.replaceAll('{token}', encodeURIComponent(token)),
    sessionTtlMs: config.admins.sessionTtlMs,
    mailer,
    logger,
  };
  const audit = createAuditRecorder(sql, logger);
  const shared = { events, webhooks, sql, publicUrl: config.publicUrl, audit, admins, now };
  const schema = await buildAppSchema();
  const validationRules = [depthRule(config.graphqlMaxDepth), storableTextRule];
  const formatError = createFormatError({
    includeStacktrace: !production,
    onInternalError: (error) => logger.error({ err: error }, 'graphql internal error'),
  });

  // The admin portal's session cookie stands in for an Authorization header, only where it is allowed
  // (portal/session-cookie.ts); an API client's Authorization header always wins.
  const cookie = sessionCookie(config.publicUrl);
  const cookieAuthorization = (request: IncomingMessage, upgrade: boolean): string | undefined => {
    const found = cookieCredential(cookie, { method: request.method ?? 'GET', headers: request.headers }, { upgrade });
    if (found.kind === 'refused') throw unauthenticated(COOKIE_REFUSED);
    return found.kind === 'session' ? found.token : undefined;
  };

  // Attached once listening: the WebSocket server re-emits the HTTP server's errors, and graphql-ws would
  // print a failed listen (port in use) as an internal error of its own.
  let ws: { dispose(): Promise<void> } | undefined;
  const attachWebSockets = () =>
    (ws ??= createGraphqlWs({
      httpServer,
      schema,
      orm,
      shared,
      trustProxy: config.trustProxy,
      validationRules,
      maxCost: config.graphqlMaxComplexity,
      maxPayloadBytes: config.wsMaxPayloadBytes,
      maxSubscriptionsPerSocket: config.wsMaxSubscriptionsPerSocket,
      cookieAuthorization: (request) => cookieAuthorization(request, true),
      introspection: config.graphqlIntrospection,
      formatError,
    }));
  const apollo = await createApollo({
    schema,
    httpServer,
    introspection: config.graphqlIntrospection,
    production,
    validationRules,
    operationPlugins: [
      authorizationPlugin(),
      costLimitPlugin<GraphQLContext>(config.graphqlMaxComplexity),
      forgetScimAuthAfterMutations<GraphQLContext>(scimAuth),
    ],
    formatError,
    stopGracePeriodMs: Math.max(0, config.shutdownTimeoutMs - 2_000),
    drainWebSockets: async () => ws?.dispose(),
  });
  started.push(() => apollo.stop()); // drains HTTP (in-flight requests finish) and disposes graphql-ws

  const graphqlRouter = new Router<RequestState>();
  graphqlRouter.all(
    '/graphql',
    cors(config.corsOrigins),
    bodyParser({ enableTypes: ['json'], jsonLimit: GRAPHQL_BODY_LIMIT }),
    koaMiddleware<GraphQLContext, RequestState>(apollo, {
      context: async ({ ctx }) => {
        // Inside the request context (first middleware) this is the request's own EntityManager.
        const em = orm.em.getContext();
        const viewer = await authenticate(em, ctx.get('authorization') || cookieAuthorization(ctx.req, false), now());
        const origin = requestOrigin(ctx.ip, ctx.get('user-agent'), ctx.state.requestId);
        return createContext(em, viewer, shared, origin);
      },
    }),
  );

  // Middleware order is the architecture: request id + log, error mapping, one EntityManager per request, routes.
  // SCIM comes before the request context: it needs no identity map (plain SQL; its router forks an
  // EntityManager only when it reads or writes a directory).
  koa.use(requestLog(logger));
  koa.use(errorMiddleware());
  if (metrics) koa.use(metrics.scimMiddleware);
  const scim = scimRouter({
    orm,
    sql,
    publicUrl: config.publicUrl,
    logger,
    auth: scimAuth,
    rateLimit: scimRateLimit,
    requestLog: scimRequestLog,
  });
  koa.use(scim.routes()).use(scim.allowedMethods());
  koa.use(requestContext(orm));
  const metricsOnMainPort = metrics && config.metrics.port === undefined ? [metricsRouter(metrics.registry)] : [];
  const portal = config.portal.enabled
    ? [
        portalRouter({
          ...config.portal,
          publicUrl: config.publicUrl,
          cookie,
          em: () => orm.em.getContext(),
          sessionTtlMs: config.admins.sessionTtlMs,
          now,
          audit,
          endSession: async (token) => {
            const em = orm.em.fork();
            const viewer = await authenticateAdminSession(em, token, now()).catch(() => undefined);
            if (!viewer) return undefined;
            await signOut(em, viewer.sessionId, now());
            await notifyAdminSessionsEnded(em, [viewer.sessionId], 'signed_out');
            return viewer;
          },
        }),
      ]
    : [];
  for (const router of [healthRouter(orm), ...metricsOnMainPort, graphqlRouter, ...portal]) {
    koa.use(router.routes()).use(router.allowedMethods());
  }
  const handle = koa.callback();
  httpServer.on('request', (request, response) => void handle(request, response));

  let metricsUrl: string | undefined;
  const listenForMetrics = async (host: string | undefined) => {
    if (!metrics || config.metrics.port === undefined) return;
    const server = metricsServer(metrics.registry);
    metricsUrl = await listenOn(server, config.metrics.port, host).catch((error: unknown) => {
      throw new Error(`cannot listen on port ${config.metrics.port} (METRICS_PORT): ${errorMessage(error)}`);
    });
    started.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  };

  let bootstrapKeys: readonly BootstrapKey[] = [];
  return {
    httpServer,
    orm,
    relay,
    purgeExpiredEvents: () => retention.runOnce(),
    flushScimRequestLog: async () => scimRequestLog?.flush(),
    purgeExpiredAuditEntries: () => auditRetention.runOnce(),
    get bootstrapKeys() {
      return bootstrapKeys;
    },
    get metricsUrl() {
      return metricsUrl;
    },
    bootstrap: async (announce = async () => undefined, options = {}) => {
      bootstrapKeys = await bootstrapEnvironments(orm.em.fork(), announce, options);
      return bootstrapKeys;
    },
    listen: async (port, host) => {
      await listenForMetrics(host);
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          attachWebSockets();
          const address = httpServer.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    close: () => stopInReverse(started),
  };
}

/** Counts a webhook attempt by its delivery's status after it, and times a successful one from when it was due. */
function countAttempt(metrics: Metrics, status: DeliveryStatus, dueSince: Date): void {
  if (status === DeliveryStatus.SUCCEEDED) {
    metrics.webhookAttempt('succeeded');
    metrics.webhookDelivered(dueSince);
  } else metrics.webhookAttempt(status === DeliveryStatus.FAILED ? 'failed' : 'retrying');
}

/** The relay as GraphQL subscriptions see it: each subscriber counted in the open-subscriptions gauge. */
function countingSubscriptions(relay: EventRelay, metrics: Metrics): EventRelay {
  return Object.assign(Object.create(relay) as EventRelay, {
    subscribe(sink: Parameters<EventRelay['subscribe']>[0]) {
      const unsubscribe = relay.subscribe(sink);
      metrics.subscriptionsOpen.inc();
      let open = true;
      return () => {
        if (open) metrics.subscriptionsOpen.dec();
        open = false;
        unsubscribe();
      };
    },
  });
}

interface TarnPool {
  numUsed(): number;
  numPendingAcquires(): number;
}

/** The ORM pool's connections in use and requests waiting (knex's tarn pool; zero before it exists). */
function poolStats(orm: MikroORM): { used: number; waiting: number } {
  const pool = (orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
  return { used: pool?.numUsed() ?? 0, waiting: pool?.numPendingAcquires() ?? 0 };
}

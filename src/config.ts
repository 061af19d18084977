import path from 'node:path';
import { z } from 'zod';

import { parseDuration, parseDurationList } from './lib/duration.js';
import { parseEncryptionKey } from './lib/encryption.js';

/** Everything dsync can be told from the outside. `loadConfig` is the only place defaults live. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL URL; `undefined` means "start the embedded PostgreSQL under `dataDir`". */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  /** PostgreSQL cancels an API or SCIM statement that runs longer than this; 0 = no limit. */
  readonly databaseStatementTimeoutMs: number;
  /** Connections in the app's pool (API, SCIM, event reads); webhooks and LISTEN use their own. */
  readonly databasePoolSize: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Unset: pretty in development at a terminal, JSON lines otherwise (see resolveLogFormat). */
  readonly logFormat: 'json' | 'pretty' | undefined;
  /** Base URL the outside world reaches this server at; SCIM base URLs are built from it. */
  readonly publicUrl: string;
  /** Behind a reverse proxy: the client's address is X-Forwarded-For's first entry (else the peer's). */
  readonly trustProxy: boolean;
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly graphqlIntrospection: boolean;
  readonly graphqlMaxDepth: number;
  /** Most fields one GraphQL operation may resolve, connections counted `first` times (graphql/limits.ts). */
  readonly graphqlMaxComplexity: number;
  /** Largest WebSocket message accepted; a bigger one closes the socket (1009) unread. */
  readonly wsMaxPayloadBytes: number;
  /** Operations (subscriptions) one WebSocket may run at once. */
  readonly wsMaxSubscriptionsPerSocket: number;
  readonly shutdownTimeoutMs: number;
  /** Events older than this many days are purged. */
  readonly eventRetentionDays: number;
  /** Audit log entries older than this many days are purged. */
  readonly auditRetentionDays: number;
  /** Live events queued per subscription before a slow subscriber is disconnected (close code 4290). */
  readonly subscriptionBufferLimit: number;
  /** How often the sequencer looks for events without being woken (events of other processes). */
  readonly eventsPollIntervalMs: number;
  /** Browser origins (`https://app.example.com`) allowed to call /graphql from another origin; empty = none. */
  readonly corsOrigins: readonly string[];
  /** AES-256 key for secrets at rest; `undefined` = the key file in `dataDir` (created on first start). */
  readonly encryptionKey: Buffer | undefined;
  /** Older keys, for reading secrets sealed before a rotation (they are re-sealed at start). */
  readonly previousEncryptionKeys: readonly Buffer[];
  /** SCIM requests per second per directory, shared by all processes (a token bucket); 0 = no limit. */
  readonly scimRateLimit: number;
  /** The bucket's size: requests a directory may send at once after a quiet spell. */
  readonly scimRateBurst: number;
  readonly scimRequestLog: {
    /** SCIM requests kept per directory for diagnostics; 0 = no request log (nor directory health counts). */
    readonly size: number;
    /** Entries older than this many days are purged. */
    readonly retentionDays: number;
  };
  readonly metrics: {
    /** Serve `GET /metrics` (Prometheus text format). */
    readonly enabled: boolean;
    /** Serve it on this port of its own (and not on `port`); `undefined` = on the main port. */
    readonly port: number | undefined;
  };
  readonly admins: {
    /** How long an admin invitation can be accepted. */
    readonly invitationTtlMs: number;
    /** The link an invitation is accepted at; `{token}` stands for the invitation token. */
    readonly invitationUrl: string;
    /** How long an admin session lasts from sign-in. */
    readonly sessionTtlMs: number;
  };
  /** The admin portal at `/portal` (the page an invitation link opens). */
  readonly portal: {
    readonly enabled: boolean;
    /** The vendor's name as the portal shows it ("… invited you"). */
    readonly title: string;
    /** An http(s) image shown beside the title; `undefined` = none. */
    readonly logoUrl: string | undefined;
    /** `#rrggbb`: the header and primary buttons (text on it is black or white, whichever contrasts more). */
    readonly accentColor: string;
  };
  /** Where invitation emails are sent through; `undefined` = invitations are not emailed. */
  readonly smtp: { readonly url: string; readonly from: string } | undefined;
  readonly webhooks: {
    /** Concurrent deliveries in this process; 0 = this process only enqueues. */
    readonly workers: number;
    readonly retryDelaysMs: readonly number[];
    readonly timeoutMs: number;
    readonly allowPrivateNetworks: boolean;
    readonly allowHttp: boolean;
    readonly staleLockMs: number;
    /** How often workers look for retries that came due (new jobs arrive through LISTEN at once). */
    readonly pollIntervalMs: number;
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const booleanString = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const port = z.coerce.number().int().min(0).max(65_535);

function parseKey(text: string, ctx: z.RefinementCtx): Buffer {
  try {
    return parseEncryptionKey(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
}

/** A browser origin exactly as browsers send it: scheme, host, optional port; no path, no trailing slash. */
function parseOrigin(text: string, ctx: z.RefinementCtx): string {
  let origin: string | undefined;
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') origin = url.origin;
  } catch {
    // reported below
  }
  if (origin !== text) {
    const hint = origin ? `write it as ${origin}` : 'such as https://app.example.com';
    ctx.addIssue({
      code: 'custom',
      message: `must be comma-separated origins: ${JSON.stringify(text)} is not one (${hint})`,
    });
    return z.NEVER;
  }
  return origin;
}

/** One duration such as `7d` or `12h` (lib/duration.ts), at least a second. */
const duration = z.string().transform((text, ctx) => {
  try {
    const ms = parseDuration(text);
    if (ms >= 1_000) return ms;
    ctx.addIssue({ code: 'custom', message: 'must be at least 1s' });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `must be a duration such as 12h or 7d (${(error as Error).message})` });
  }
  return z.NEVER;
});

/** An http(s) URL with a `{token}` placeholder (the invitation link). */
const invitationUrl = z.string().refine(
  (text) => {
    try {
      return text.includes('{token}') && /^https?:$/.test(new URL(text.replace('{token}', 't')).protocol);
    } catch {
      return false;
    }
  },
  { message: 'must be an http:// or https:// URL containing {token}' },
);

const encryptionKey = z.string().transform((text, ctx) => parseKey(text, ctx));

/** Default retry schedule: about 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h, 24 h. */
const DEFAULT_RETRY_DELAYS = '5s,30s,2m,10m,30m,1h,3h,6h,12h,24h';

/**
 * Requests per second per directory. Entra ID and Okta send at most tens per second per tenant, so 100 never
 * slows a well-behaved IdP; it stops a runaway client from taking the whole server.
 */
const DEFAULT_SCIM_RATE_LIMIT = 100;

/** The portal's default accent: a blue that white text reads on at AA. */
const DEFAULT_ACCENT_COLOR = '#1f4fd1';

/** `#abc` → `#aabbcc`, lower-case. */
function longHex(color: string): string {
  const hex = color.slice(1).toLowerCase();
  return `#${hex.length === 3 ? [...hex].map((digit) => digit + digit).join('') : hex}`;
}

const EnvSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1_000).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  TRUST_PROXY: booleanString.default(false),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  GRAPHQL_INTROSPECTION: booleanString.optional(),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(100).default(12),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().min(10).default(50_000),
  WS_MAX_PAYLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(100 * 1024 * 1024)
    .default(64 * 1024),
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).max(10_000).default(20),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  EVENT_RETENTION_DAYS: z.coerce.number().positive().max(3_650).default(30),
  AUDIT_RETENTION_DAYS: z.coerce.number().positive().max(3_650).default(365),
  SUBSCRIPTION_BUFFER_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  EVENTS_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  CORS_ORIGINS: z
    .string()
    .transform((text, ctx) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .map((part) => parseOrigin(part, ctx)),
    )
    .optional(),
  ENCRYPTION_KEY: encryptionKey.optional(),
  ENCRYPTION_KEY_PREVIOUS: z
    .string()
    .transform((text, ctx) =>
      text
        .split(',')
        .filter(Boolean)
        .map((part) => parseKey(part, ctx)),
    )
    .optional(),
  SCIM_RATE_LIMIT: z.coerce.number().min(0).max(1_000_000).default(DEFAULT_SCIM_RATE_LIMIT),
  SCIM_RATE_BURST: z.coerce.number().int().min(1).max(10_000_000).optional(),
  SCIM_REQUEST_LOG_SIZE: z.coerce.number().int().min(0).max(100_000).default(1_000),
  SCIM_REQUEST_LOG_DAYS: z.coerce.number().positive().max(3_650).default(30),
  METRICS_ENABLED: booleanString.default(true),
  METRICS_PORT: port.optional(),
  ADMIN_INVITATION_TTL: duration.optional(),
  ADMIN_INVITATION_URL: invitationUrl.optional(),
  ADMIN_SESSION_TTL: duration.optional(),
  PORTAL_ENABLED: booleanString.default(true),
  PORTAL_TITLE: z.string().trim().min(1).max(100).optional(),
  PORTAL_LOGO_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  PORTAL_ACCENT_COLOR: z
    .string()
    .regex(/^#(?:[0-9a-fA-F]{3}){1,2}$/, 'must be a hex colour such as #1f4fd1 or #14d')
    .optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^/\s]+/, 'must be an smtp:// or smtps:// URL')
    .optional(),
  SMTP_FROM: z.string().trim().min(3).max(320).optional(),
  WEBHOOK_WORKERS: z.coerce.number().int().min(0).max(1_000).default(10),
  WEBHOOK_RETRY_DELAYS: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseDurationList(text);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a comma-separated list of durations such as 5s,30s,2m (${(error as Error).message})`,
        });
        return z.NEVER;
      }
    })
    .optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanString.optional(),
  WEBHOOK_ALLOW_HTTP: booleanString.optional(),
  WEBHOOK_STALE_LOCK_MS: z.coerce.number().int().min(1_000).default(60_000),
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1_000),
});

/**
 * Parses environment variables into a frozen {@link Config}.
 * Throws a {@link ConfigError} whose message is one line naming the offending variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): Config {
  // Empty strings count as "not set", the way shells and .env files usually mean them.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = issue?.path.join('.') ?? 'environment';
    throw new ConfigError(`Invalid configuration: ${variable} ${issue?.message ?? 'is invalid'}`);
  }
  const e = parsed.data;
  if (e.WEBHOOK_STALE_LOCK_MS < 3 * e.WEBHOOK_TIMEOUT_MS) {
    // A live job must never look stale: it runs for at most half the threshold plus one attempt.
    throw new ConfigError('Invalid configuration: WEBHOOK_STALE_LOCK_MS must be at least 3 × WEBHOOK_TIMEOUT_MS');
  }
  if (e.SMTP_URL && !e.SMTP_FROM) {
    throw new ConfigError(
      'Invalid configuration: SMTP_FROM is required with SMTP_URL (e.g. "dsync <no-reply@example.com>")',
    );
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    databaseStatementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    publicUrl,
    trustProxy: e.TRUST_PROXY,
    nodeEnv: e.NODE_ENV,
    graphqlIntrospection: e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
    graphqlMaxDepth: e.GRAPHQL_MAX_DEPTH,
    graphqlMaxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
    wsMaxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
    wsMaxSubscriptionsPerSocket: e.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    subscriptionBufferLimit: e.SUBSCRIPTION_BUFFER_LIMIT,
    eventsPollIntervalMs: e.EVENTS_POLL_INTERVAL_MS,
    corsOrigins: Object.freeze(e.CORS_ORIGINS ?? []),
    encryptionKey: e.ENCRYPTION_KEY,
    previousEncryptionKeys: e.ENCRYPTION_KEY_PREVIOUS ?? [],
    scimRateLimit: e.SCIM_RATE_LIMIT,
    // Two seconds' worth by default: a first sync's parallel burst passes untouched.
    scimRateBurst: e.SCIM_RATE_BURST ?? Math.max(1, Math.ceil(2 * e.SCIM_RATE_LIMIT)),
    scimRequestLog: Object.freeze({ size: e.SCIM_REQUEST_LOG_SIZE, retentionDays: e.SCIM_REQUEST_LOG_DAYS }),
    metrics: Object.freeze({ enabled: e.METRICS_ENABLED, port: e.METRICS_PORT }),
    admins: Object.freeze({
      invitationTtlMs: e.ADMIN_INVITATION_TTL ?? parseDuration('7d'),
      invitationUrl: e.ADMIN_INVITATION_URL ?? `${publicUrl}/portal/#invitation={token}`,
      sessionTtlMs: e.ADMIN_SESSION_TTL ?? parseDuration('12h'),
    }),
    portal: Object.freeze({
      enabled: e.PORTAL_ENABLED,
      title: e.PORTAL_TITLE ?? 'dsync',
      logoUrl: e.PORTAL_LOGO_URL,
      accentColor: longHex(e.PORTAL_ACCENT_COLOR ?? DEFAULT_ACCENT_COLOR),
    }),
    smtp: e.SMTP_URL && e.SMTP_FROM ? Object.freeze({ url: e.SMTP_URL, from: e.SMTP_FROM }) : undefined,
    webhooks: Object.freeze({
      workers: e.WEBHOOK_WORKERS,
      retryDelaysMs: e.WEBHOOK_RETRY_DELAYS ?? parseDurationList(DEFAULT_RETRY_DELAYS),
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? e.NODE_ENV !== 'production',
      allowHttp: e.WEBHOOK_ALLOW_HTTP ?? e.NODE_ENV !== 'production',
      staleLockMs: e.WEBHOOK_STALE_LOCK_MS,
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
    }),
  });
}

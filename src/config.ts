import path from 'node:path';
import { z } from 'zod';

/** Everything dsync can be told from the outside. `loadConfig` is the only place defaults live. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL URL; `undefined` means "start the embedded PostgreSQL under `dataDir`". */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Base URL the outside world reaches this server at; SCIM base URLs are built from it. */
  readonly publicUrl: string;
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly graphqlIntrospection: boolean;
  readonly graphqlMaxDepth: number;
  readonly graphqlMaxComplexity: number;
  readonly shutdownTimeoutMs: number;
  /** Events older than this many days are purged. */
  readonly eventRetentionDays: number;
  /** Live events queued per subscription before a slow subscriber is disconnected (close code 4290). */
  readonly subscriptionBufferLimit: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const booleanString = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const port = z.coerce.number().int().min(0).max(65_535);

const EnvSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional(),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  GRAPHQL_INTROSPECTION: booleanString.optional(),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).max(100).default(12),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().min(10).default(5_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  EVENT_RETENTION_DAYS: z.coerce.number().positive().max(3_650).default(30),
  SUBSCRIPTION_BUFFER_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
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
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    logLevel: e.LOG_LEVEL,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    nodeEnv: e.NODE_ENV,
    graphqlIntrospection: e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
    graphqlMaxDepth: e.GRAPHQL_MAX_DEPTH,
    graphqlMaxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    subscriptionBufferLimit: e.SUBSCRIPTION_BUFFER_LIMIT,
  });
}

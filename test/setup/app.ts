import 'reflect-metadata';

import { Writable } from 'node:stream';

import { createApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import type { EnvironmentName } from '../../src/tenancy/environment.entity.js';
import { servesDatabase } from '../fixtures/published.js';
import { createTestDatabase, type TestDatabase } from './db.js';

/** A fixed key for tests (production keys come from ENCRYPTION_KEY or the data directory's key file). */
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7);

export interface TestApp {
  readonly app: App;
  readonly url: string;
  readonly config: Config;
  readonly database: TestDatabase;
  /** The bootstrap keys of this app's fresh database. */
  readonly sandboxKey: string;
  readonly productionKey: string;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Every SQL statement the ORM ran (for query budgets). */
  readonly queries: string[];
  close(): Promise<void>;
}

function logCollector(lines: Record<string, unknown>[], raw: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
}

/** A clock a test moves forward (admin invitation and session expiry); it runs along with the real one. */
export interface TestClock {
  readonly now: () => Date;
  readonly advance: (ms: number) => void;
}

export function testClock(): TestClock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance: (ms) => {
      offsetMs += ms;
    },
  };
}

/**
 * A real server on an ephemeral port over its own fresh database (or `database`, shared with another app).
 * Always `close()` it in `afterAll`. `clock`: the clock expiry is judged by (default: the system clock).
 * `port`: listen there instead of on an ephemeral port (for a PUBLIC_URL a browser reaches it at).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  database?: TestDatabase,
  { clock, port = 0 }: { clock?: TestClock; port?: number } = {},
): Promise<TestApp & { rawLogs: string[] }> {
  const db = database ?? (await createTestDatabase());
  // No SCIM rate limit and no SCIM request log unless a test asks for them: many tests send hundreds of
  // requests to one directory at once, and query budgets count statements, which the request log's timer
  // would add at any moment (test/scim/rate-limit.test.ts and request-log.test.ts cover them).
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PUBLIC_URL: 'https://dsync.test',
    SCIM_RATE_LIMIT: '0',
    SCIM_REQUEST_LOG_SIZE: '0',
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const rawLogs: string[] = [];
  const queries: string[] = [];
  const logger = createLogger(config.logLevel, logCollector(logs, rawLogs));
  const app = await createApp({
    config,
    logger,
    databaseUrl: db.url,
    encryptionKey: config.encryptionKey ?? TEST_ENCRYPTION_KEY,
    logQuery: (sql) => queries.push(sql),
    ...(clock ? { now: clock.now } : {}),
  });
  const url = await app.listen(port, '127.0.0.1');
  servesDatabase(url, db.url);
  await app.bootstrap(); // as main.ts does once listening: keys of a fresh database in app.bootstrapKeys
  const key = (name: string) =>
    app.bootstrapKeys.find((k) => k.environment === (name as EnvironmentName))?.apiKey ?? '';
  return {
    app,
    url,
    config,
    database: db,
    sandboxKey: key('sandbox'),
    productionKey: key('production'),
    logs,
    rawLogs,
    queries,
    close: async () => {
      await app.close();
      if (!database) await db.drop();
    },
  };
}

/** Runs `test` against one more app on `database` (with `env`), and closes the app after, whatever happened. */
export async function withTestApp(
  env: Record<string, string>,
  database: TestDatabase,
  test: (app: TestApp) => Promise<void>,
): Promise<void> {
  const app = await startTestApp(env, database);
  try {
    await test(app);
  } finally {
    await app.close();
  }
}

import path from 'node:path';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';

import { migrationsList } from '../../migrations/index.js';
import { entities } from './entities.js';

export interface OrmSettings {
  readonly clientUrl: string;
  /** Called with each SQL statement when `debug` is on (query budgets in tests, debug logs). */
  readonly logQuery?: (message: string) => void;
  /** Where `migration:create` writes new files; only the CLI needs it. */
  readonly migrationsDir?: string;
  /**
   * Read and write `migrations/.snapshot-dsync.json` (what a new migration is diffed against). Only for
   * writing and checking migrations: with it, every process that applies a migration rewrites the file, and
   * test files migrating their databases in parallel then read it half-written.
   */
  readonly snapshot?: boolean;
  /** `statement_timeout` of every pooled connection (a startup parameter); 0 or absent = none. */
  readonly statementTimeoutMs?: number;
  /** Most connections in the pool (default 10). */
  readonly poolSize?: number;
}

const ignore = (): void => undefined;

/** The one MikroORM configuration, shared by the app, the migration CLI and the tests. */
export function createOrmConfig(settings: OrmSettings, overrides: Partial<Options> = {}): Options {
  const migrationsDir = settings.migrationsDir ?? path.resolve('migrations');
  return defineConfig({
    clientUrl: settings.clientUrl,
    entities,
    extensions: [Migrator],
    forceUtcTimezone: true,
    // Our own mistakes should fail loudly; the request context is the only implicit EntityManager.
    allowGlobalContext: false,
    debug: settings.logQuery !== undefined,
    logger: settings.logQuery ?? (() => undefined),
    pool: { min: 0, max: settings.poolSize ?? 10 },
    driverOptions: {
      // knex prints some failures (a connection dying mid-query) with console.log, SQL and values included;
      // the same errors reach our code, which logs them through pino's database-error serializer.
      log: { warn: ignore, error: ignore, deprecate: ignore, debug: ignore },
      ...(settings.statementTimeoutMs ? { connection: { statement_timeout: settings.statementTimeoutMs } } : {}),
    },
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: migrationsDir,
      pathTs: migrationsDir,
      migrationsList,
      snapshot: settings.snapshot ?? false,
      snapshotName: '.snapshot-dsync',
      emit: 'ts',
      transactional: true,
      allOrNothing: true,
      disableForeignKeys: false,
    },
    ...overrides,
  });
}

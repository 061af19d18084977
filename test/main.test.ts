import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { tempDataDir } from './setup/lifecycle.js';
import { exitCode, freePort, start, waitForOutput } from './setup/process.js';

// `npm start` as a newcomer runs it: the built entry point, no DATABASE_URL, embedded PostgreSQL in DATA_DIR.

describe('node dist/src/main.js', () => {
  let checkout: string;
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    // Like a checkout's ./.data: a folder dsync creates itself, inside one everybody may enter.
    checkout = await tempDataDir('dsync-main-');
    dataDir = path.join(checkout, '.data');
    env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      SHUTDOWN_TIMEOUT_MS: '10000',
    };
  });
  afterAll(async () => {
    await rm(checkout, { recursive: true, force: true });
  });

  it('starts on embedded PostgreSQL, prints the keys once, serves GraphQL, and stops on SIGTERM', async () => {
    const first = start(env);
    await waitForOutput(first, /GraphQL \(HTTP \+ WebSocket\): (\S+)/);
    const sandboxKey = /sandbox\s+(dsk_sandbox_\S+)/.exec(first.stdout)?.[1];
    expect(sandboxKey).toBeDefined();
    expect(first.stdout).toMatch(/production\s+dsk_production_\S+/);
    const response = await fetch(`http://127.0.0.1:${env['PORT']}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sandboxKey}` },
      body: JSON.stringify({ query: '{ viewer { environment { name } } }' }),
    });
    expect(await response.json()).toEqual({ data: { viewer: { environment: { name: 'sandbox' } } } });
    first.child.kill('SIGTERM');
    expect(await exitCode(first, 'the first server to exit after SIGTERM')).toBe(0);
    // The webhook-secret encryption key was generated once into DATA_DIR, readable by the owner only.
    const keyFile = await stat(path.join(dataDir, 'encryption.key'));
    expect(keyFile.mode & 0o777).toBe(0o600);
    const key = await readFile(path.join(dataDir, 'encryption.key'), 'utf8');

    const second = start(env);
    await waitForOutput(second, /GraphQL \(HTTP \+ WebSocket\)/);
    expect(second.stdout).not.toMatch(/dsk_/);
    const again = await fetch(`http://127.0.0.1:${env['PORT']}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sandboxKey}` },
      body: JSON.stringify({ query: '{ viewer { environment { name } } }' }),
    });
    expect(again.status).toBe(200);
    expect(await readFile(path.join(dataDir, 'encryption.key'), 'utf8')).toBe(key); // kept, not regenerated
    second.child.kill('SIGINT');
    expect(await exitCode(second, 'the second server to exit after SIGINT')).toBe(0);
  }, 60_000);

  it('refuses a bad variable with one line naming it and exit code 1', async () => {
    const run = start({ ...env, PORT: 'eighty' });
    expect(await exitCode(run, 'the server to refuse PORT=eighty and exit')).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid configuration: PORT /)]);
  });
});

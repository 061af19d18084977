import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { dropDatabase, withDatabase } from '../../src/db/database.js';
import { testServerUrl } from '../setup/db.js';
import { exitCode, killAll, lines, startProcess, waitForStdout } from '../setup/lifecycle.js';
import { freePort } from '../setup/process.js';

// The README's production path: build, then only the production dependencies (`npm prune --omit=dev` leaves
// what `npm ci --omit=dev` installs), then `node dist/src/main.js`. Nothing the server imports at run time
// may be a devDependency. Uses the npm registry (CI and developer machines reach it; npm's cache is warm).

const INSTALL_TIMEOUT = 240_000;

function npm(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', args, {
      cwd,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('a production install (dependencies only) runs the built server', () => {
  let dir: string;
  let databaseUrl: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsync-prod-install-'));
    for (const file of ['package.json', 'package-lock.json', 'dist'])
      await cp(file, path.join(dir, file), { recursive: true });
    databaseUrl = withDatabase(testServerUrl(), `dsync_install_${randomBytes(6).toString('hex')}`);
  }, INSTALL_TIMEOUT);
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await dropDatabase(databaseUrl);
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'npm ci --omit=dev, then the CLI migrates and node dist/src/main.js answers /readyz',
    async () => {
      const install = await npm(['ci', '--omit=dev', '--no-audit', '--no-fund'], dir);
      expect({ code: install.code, output: install.code === 0 ? '' : install.output }).toEqual({ code: 0, output: '' });

      const env = {
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        ENCRYPTION_KEY: 'd'.repeat(64),
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
      };
      const migrate = startProcess(env, { script: path.join(dir, 'dist/src/cli.js'), args: ['migrate'] });
      expect({ code: await exitCode(migrate), stderr: migrate.stderr }).toEqual({ code: 0, stderr: '' });
      expect(lines(migrate.stdout)).toEqual(['migrations applied']);

      const server = startProcess(env, { script: path.join(dir, 'dist/src/main.js') });
      await waitForStdout(server, /dsync is up/);
      const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
      expect(ready.status).toBe(200);
      // The admin portal is served from dist/ alone: its page, stylesheet and compiled browser modules.
      for (const asset of ['/portal/', '/portal/portal.css', '/portal/js/app.js', '/portal/js/live.js'])
        expect({ asset, status: (await fetch(`http://127.0.0.1:${env.PORT}${asset}`)).status }).toEqual({
          asset,
          status: 200,
        });
      server.child.kill('SIGTERM');
      expect(await exitCode(server)).toBe(0);
    },
    INSTALL_TIMEOUT,
  );
});

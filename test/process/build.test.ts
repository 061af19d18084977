import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { withDeadline } from '../fixtures/wait.js';

// `npm run build` on a fresh checkout (no dist/) produces the server and the admin portal's browser modules,
// which the server serves from dist/portal/: `npm start` (prestart builds) finds them on a fresh clone.

const BUILD_TIMEOUT = 180_000;
const SOURCES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'migrations', 'portal'];

describe('npm run build on a fresh checkout', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dsync-build-'));
    for (const source of SOURCES) await cp(source, path.join(dir, source), { recursive: true });
    await symlink(path.resolve('node_modules'), path.join(dir, 'node_modules'), 'dir');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'builds the server and the portal into dist/',
    async () => {
      // Its own process group, so that a timeout also stops the tsc processes npm started.
      const child = spawn('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await withDeadline(
        new Promise<number | null>((resolve) => child.on('exit', resolve)),
        { what: 'npm run build to finish', timeoutMs: BUILD_TIMEOUT - 10_000 },
        () => output,
      ).finally(() => {
        if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
      });
      expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
      expect(existsSync(path.join(dir, 'dist/src/main.js'))).toBe(true);
      const portal = (await readdir(path.join(dir, 'dist/portal'))).sort();
      expect(portal).toEqual(
        expect.arrayContaining(['api.js', 'app.js', 'browse.js', 'dom.js', 'live.js', 'setup.js']),
      );
      expect(portal.every((file) => /^[a-z][a-z0-9-]*\.js$/.test(file))).toBe(true); // all servable names
    },
    BUILD_TIMEOUT,
  );
});

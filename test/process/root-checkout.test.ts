import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import {
  embeddedServers,
  exitCode,
  killAll,
  lines,
  startProcess,
  tempDataDir,
  waitFor,
  waitForStdout,
} from '../setup/lifecycle.js';
import { freePort } from '../setup/process.js';

// A checkout inside a folder only its owner may enter (mode 0700, as /root is), started with
// `node dist/src/main.js` from the checkout. Under root the embedded PostgreSQL runs as the `postgres` user,
// which cannot enter that folder: its binaries are copied where it can reach them, and a DATA_DIR inside the
// folder is a start failure with one line saying what to do. Under any other user PostgreSQL runs as that
// user, who reaches its own folder: both start.

const UP = /dsync is up/;
const PROCESS_TIMEOUT = 120_000;
const uid = process.getuid?.() ?? -1;
const asRoot = uid === 0;

describe(`node dist/src/main.js from a checkout in a 0700 folder, as ${asRoot ? 'root' : `uid ${uid} (not root)`}`, () => {
  let folder: string;
  let checkout: string;
  const dataDirs: string[] = [];
  const main = () => path.join(checkout, 'dist', 'src', 'main.js');
  const baseEnv = async () => ({
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    SHUTDOWN_TIMEOUT_MS: '10000',
  });
  const noServerLeft = (dataDir: string) =>
    waitFor(() => embeddedServers(dataDir).length === 0, `no embedded PostgreSQL left running on ${dataDir}`);
  const serverBinary = (dataDir: string) =>
    readFileSync(`/proc/${embeddedServers(dataDir)[0]}/cmdline`, 'utf8').split('\0')[0] ?? '';

  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'dsync-root-checkout-'));
    await chmod(folder, 0o700);
    checkout = path.join(folder, 'app');
    await mkdir(checkout);
    // A hard-linked node_modules: the PostgreSQL binaries really live under the 0700 folder (a symlink would
    // resolve to the repository's, which is reachable).
    execFileSync('cp', ['-al', 'node_modules', path.join(checkout, 'node_modules')]);
    for (const file of ['package.json', 'dist']) await cp(file, path.join(checkout, file), { recursive: true });
    dataDirs.push(path.join(checkout, '.data'));
  }, PROCESS_TIMEOUT);
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    for (const dataDir of dataDirs) {
      for (const pid of embeddedServers(dataDir)) process.kill(pid, 'SIGQUIT');
    }
    for (const dir of [folder, ...dataDirs]) await rm(dir, { recursive: true, force: true });
  });

  it(
    asRoot
      ? 'with DATA_DIR outside the folder it comes up on binaries copied out of the folder; SIGTERM exits 0 and stops PostgreSQL'
      : 'with DATA_DIR outside the folder it comes up on the checkout’s own binaries; SIGTERM exits 0 and stops PostgreSQL',
    async () => {
      const dataDir = await tempDataDir('dsync-root-checkout-data-');
      dataDirs.push(dataDir);
      const run = startProcess({ ...(await baseEnv()), DATA_DIR: dataDir }, { script: main(), cwd: checkout });
      await waitForStdout(run, UP);
      const binary = serverBinary(dataDir);
      if (asRoot) expect(binary.startsWith(folder)).toBe(false);
      else expect(binary.startsWith(folder)).toBe(true);
      run.child.kill('SIGTERM');
      expect({ code: await exitCode(run), stderr: lines(run.stderr) }).toEqual({ code: 0, stderr: [] });
      await noServerLeft(dataDir);
    },
    PROCESS_TIMEOUT,
  );

  it(
    asRoot
      ? 'with the default DATA_DIR (.data in the checkout) it exits 1 with one line naming the 0700 folder and what to do, leaving no PostgreSQL'
      : 'with the default DATA_DIR (.data in the checkout) it comes up (PostgreSQL runs as this user); SIGTERM exits 0',
    async () => {
      const dataDir = path.join(checkout, '.data');
      const run = startProcess(await baseEnv(), { script: main(), cwd: checkout });
      if (asRoot) {
        expect(await exitCode(run)).toBe(1);
        expect(lines(run.stderr)).toEqual([
          `dsync failed to start: dsync runs as root, so the embedded PostgreSQL runs as the postgres user, which cannot enter ${folder} (mode 0700, owner uid 0) on the way to DATA_DIR ${dataDir}: set DATA_DIR to a folder it can reach (e.g. DATA_DIR=/var/lib/dsync/data), set DATABASE_URL, or run dsync as another user`,
        ]);
      } else {
        await waitForStdout(run, UP);
        run.child.kill('SIGTERM');
        expect({ code: await exitCode(run), stderr: lines(run.stderr) }).toEqual({ code: 0, stderr: [] });
      }
      expect(run.stderr).not.toMatch(/Emitted|\n\s+at /);
      await noServerLeft(dataDir);
    },
    PROCESS_TIMEOUT,
  );
});

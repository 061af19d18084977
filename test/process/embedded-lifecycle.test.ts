import { spawn } from 'node:child_process';
import { chown, mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import {
  embeddedServers,
  errorLines,
  exitCode,
  holdPort,
  killAll,
  lines,
  parentOf,
  startProcess,
  tempDataDir,
  waitFor,
  waitForStdout,
} from '../setup/lifecycle.js';
import { freePort } from '../setup/process.js';

// One embedded cluster (DATA_DIR) for the whole file, taken through the unclean stops and failed starts a
// newcomer meets. The steps run in order and build on each other (the first real start prints the keys).

const UP = /dsync is up/;
const PROCESS_TIMEOUT = 120_000;

describe('node dist/src/main.js with the embedded PostgreSQL: unclean stops and failed starts', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let sandboxKey = '';

  const graphqlViewer = async () => {
    const response = await fetch(`http://127.0.0.1:${env['PORT']}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sandboxKey}` },
      body: JSON.stringify({ query: '{ viewer { environment { name } } }' }),
    });
    return response.json();
  };
  const noServerLeft = () =>
    waitFor(() => embeddedServers(dataDir).length === 0, 'no embedded PostgreSQL left running on DATA_DIR');

  beforeAll(async () => {
    dataDir = await tempDataDir('dsync-lifecycle-');
    env = {
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      SHUTDOWN_TIMEOUT_MS: '10000',
    };
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    for (const pid of embeddedServers(dataDir)) process.kill(pid, 'SIGQUIT');
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'a first start whose HTTP port is taken exits 1 with one line, shows no keys, and leaves no PostgreSQL running',
    async () => {
      const blocker = await holdPort(Number(env['PORT']));
      try {
        const run = startProcess(env);
        expect(await exitCode(run)).toBe(1);
        expect(lines(run.stderr)).toEqual([
          expect.stringMatching(/^dsync failed to start: cannot listen on port \d+ \(PORT\): listen EADDRINUSE/),
        ]);
        expect(run.stdout).not.toMatch(/dsk_/);
        await noServerLeft();
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    },
    PROCESS_TIMEOUT,
  );

  it(
    'the next start shows the keys; Ctrl-C at a terminal stops it with exit code 0 and no error lines',
    async () => {
      const run = startProcess(env, { detached: true });
      await waitForStdout(run, UP);
      sandboxKey = /sandbox\s+(dsk_sandbox_\S+)/.exec(run.stdout)?.[1] ?? '';
      expect(sandboxKey).not.toBe('');
      expect(await graphqlViewer()).toEqual({ data: { viewer: { environment: { name: 'sandbox' } } } });
      run.interrupt(); // the whole process group, as the terminal does
      expect({ code: await exitCode(run), errors: errorLines(run) }).toEqual({ code: 0, errors: [] });
      await noServerLeft();
    },
    PROCESS_TIMEOUT,
  );

  it(
    'after kill -9 the next start stops the orphaned PostgreSQL and comes up; the migration CLI meanwhile refuses in one line',
    async () => {
      const killed = startProcess(env);
      await waitForStdout(killed, UP);
      const [orphan] = embeddedServers(dataDir);
      killed.child.kill('SIGKILL');
      await exitCode(killed);
      expect(orphan).toBeDefined();
      await waitFor(() => parentOf(orphan!) !== killed.child.pid, 'the orphaned PostgreSQL to be re-parented');
      expect(embeddedServers(dataDir)).toEqual([orphan]); // the unclean stop this start must recover from

      const next = startProcess(env);
      await waitForStdout(next, UP);
      expect(embeddedServers(dataDir)).not.toContain(orphan);
      expect(await graphqlViewer()).toEqual({ data: { viewer: { environment: { name: 'sandbox' } } } });

      const migrate = startProcess(env, { script: 'dist/src/cli.js', args: ['migrate'] });
      expect(await exitCode(migrate)).toBe(1);
      expect(lines(migrate.stderr)).toEqual([expect.stringMatching(/in use by another dsync process \(pid \d+\)/)]);
      expect(await graphqlViewer()).toEqual({ data: { viewer: { environment: { name: 'sandbox' } } } }); // untouched

      next.child.kill('SIGTERM');
      expect({ code: await exitCode(next), errors: errorLines(next) }).toEqual({ code: 0, errors: [] });
      await noServerLeft();
    },
    PROCESS_TIMEOUT,
  );

  it(
    'a postmaster.pid naming a live process that is not PostgreSQL (a reused pid) is cleared and the start comes up',
    async () => {
      const lockFile = path.join(dataDir, 'postgres', 'postmaster.pid');
      // A process the server's user may signal (PostgreSQL itself treats one it may not signal as gone).
      const owner = await stat(path.dirname(lockFile));
      const other = spawn('sleep', ['300'], { uid: owner.uid, gid: owner.gid, stdio: 'ignore' });
      try {
        await writeFile(lockFile, `${other.pid}\n${path.dirname(lockFile)}\n`, { mode: 0o600 });
        await chown(lockFile, owner.uid, owner.gid);
        const run = startProcess(env);
        await waitForStdout(run, UP);
        run.child.kill('SIGTERM');
        expect({ code: await exitCode(run), errors: errorLines(run) }).toEqual({ code: 0, errors: [] });
        await noServerLeft();
      } finally {
        other.kill('SIGKILL');
      }
    },
    PROCESS_TIMEOUT,
  );

  it(
    'a foreign Unix-socket lock for the port in /tmp does not block the start (the server opens no Unix socket)',
    async () => {
      const socketLock = `/tmp/.s.PGSQL.${env['EMBEDDED_POSTGRES_PORT']}.lock`;
      const owner = await stat(path.join(dataDir, 'postgres'));
      const other = spawn('sleep', ['300'], { uid: owner.uid, gid: owner.gid, stdio: 'ignore' });
      try {
        // Left by another server that is still running, and not removable by the embedded server's user.
        await writeFile(socketLock, `${other.pid}\n/somewhere/else\n`, { mode: 0o600, flag: 'wx' });
        const run = startProcess(env);
        await waitForStdout(run, UP);
        run.child.kill('SIGTERM');
        expect({ code: await exitCode(run), errors: errorLines(run) }).toEqual({ code: 0, errors: [] });
        await noServerLeft();
      } finally {
        other.kill('SIGKILL');
        await rm(socketLock, { force: true });
      }
    },
    PROCESS_TIMEOUT,
  );

  it(
    'a taken EMBEDDED_POSTGRES_PORT fails the start with exit code 1 and one line naming the port',
    async () => {
      const blocker = await holdPort(Number(env['EMBEDDED_POSTGRES_PORT']));
      try {
        const run = startProcess(env);
        expect(await exitCode(run)).toBe(1);
        expect(lines(run.stderr)).toEqual([
          expect.stringMatching(
            /^dsync failed to start: the embedded PostgreSQL did not start: .*Address already in use.*EMBEDDED_POSTGRES_PORT \d+ is in use/,
          ),
        ]);
        await noServerLeft();
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    },
    PROCESS_TIMEOUT,
  );

  it(
    'a lock file that cannot be created fails the start with exit code 1 and one line naming it',
    async () => {
      const lockFile = path.join(dataDir, 'postgres', 'postmaster.pid');
      await mkdir(lockFile); // a directory where PostgreSQL must create its lock file
      try {
        const run = startProcess(env);
        expect(await exitCode(run)).toBe(1);
        expect(lines(run.stderr)).toEqual([
          expect.stringMatching(
            /^dsync failed to start: the embedded PostgreSQL did not start: .*lock file "postmaster\.pid"/,
          ),
        ]);
        await noServerLeft();
      } finally {
        await rmdir(lockFile);
      }
    },
    PROCESS_TIMEOUT,
  );

  it(
    'a stop that overruns SHUTDOWN_TIMEOUT_MS exits 1 with one error line and still stops PostgreSQL',
    async () => {
      const run = startProcess({ ...env, SHUTDOWN_TIMEOUT_MS: '3000' });
      await waitForStdout(run, UP);
      // Another session locks the API keys, so a request stays in flight (authentication waits on the lock)
      // and the database pool cannot close: the graceful stop cannot finish in time.
      const password = (await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim();
      const locker = new pg.Client({
        connectionString: `postgres://postgres:${password}@127.0.0.1:${env['EMBEDDED_POSTGRES_PORT']}/dsync`,
      });
      locker.on('error', () => undefined); // terminated by the server's fast shutdown
      await locker.connect();
      await locker.query('begin; lock table api_keys in access exclusive mode');
      const request = graphqlViewer().catch(() => undefined);
      const waiting = async () =>
        Number(
          (
            await locker.query(
              `select count(*) from pg_stat_activity where wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
            )
          ).rows[0].count,
        );
      const deadline = Date.now() + 30_000;
      while ((await waiting()) === 0) {
        if (Date.now() > deadline) throw new Error('timed out waiting for a request to wait on the api_keys lock');
        await sleep(50);
      }

      run.child.kill('SIGTERM');
      expect(await exitCode(run)).toBe(1);
      expect(errorLines(run)).toEqual([expect.stringContaining('shutdown did not finish within SHUTDOWN_TIMEOUT_MS')]);
      await noServerLeft();
      await request;
      await locker.end().catch(() => undefined);
    },
    PROCESS_TIMEOUT,
  );
});

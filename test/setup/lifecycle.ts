import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { withDeadline } from '../fixtures/wait.js';
import { start, type Run, type StartOptions } from './process.js';

// Process-level helpers for start/stop tests: `node dist/src/main.js` (or the migration CLI) as a real child.

export interface Started extends Run {
  /** Ctrl-C at a terminal: SIGINT to the whole process group (the child must be started `detached`). */
  interrupt(): void;
}

/** Every child started here, killed by `killAll()` (afterAll / afterEach) if a test failed half-way. */
const children = new Set<Started>();

/** {@link start}, registered for `killAll()` and able to take a terminal's Ctrl-C. */
export function startProcess(env: Record<string, string>, options: StartOptions = {}): Started {
  const run: Started = Object.assign(start(env, options), {
    interrupt: () => process.kill(-(run.child.pid ?? 0), 'SIGINT'),
  });
  children.add(run);
  void run.exited.then(() => children.delete(run));
  return run;
}

export async function killAll(): Promise<void> {
  for (const run of children) run.child.kill('SIGKILL');
  await Promise.all([...children].map((run) => run.exited));
}

/** Waits until `run` printed `pattern` on stdout; fails at the deadline or when the process exits first. */
export async function waitForStdout(run: Started, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  await waitFor(() => pattern.test(run.stdout), `stdout to match ${pattern}`, timeoutMs, run);
}

/** Resolves with the exit code, or fails naming what it waited for after `timeoutMs`. */
export function exitCode(run: Started, timeoutMs = 60_000): Promise<number | null> {
  return withDeadline(
    run.exited,
    { what: 'the process to exit', timeoutMs },
    () => `stdout: ${run.stdout}\nstderr: ${run.stderr}`,
  );
}

/** Polls `condition` until it holds; fails with `what` at the deadline (or when `run` exits first). */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 30_000,
  run?: Started,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null | undefined;
  void run?.exited.then((code) => (exited = code));
  while (!condition()) {
    if (exited !== undefined)
      throw new Error(
        `exited with ${exited} while waiting for ${what}; stdout: ${run?.stdout}\nstderr: ${run?.stderr}`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; stdout: ${run?.stdout}\nstderr: ${run?.stderr}`,
      );
    await sleep(50);
  }
}

/** A temporary DATA_DIR that the `postgres` user can enter when the tests run as root. */
export async function tempDataDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

/** PIDs of PostgreSQL servers (postmasters) running on `<dataDir>/postgres`, from /proc. */
export function embeddedServers(dataDir: string): number[] {
  const databaseDir = path.join(dataDir, 'postgres');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (path.basename(argv[0] ?? '') === 'postgres' && argv[argv.indexOf('-D') + 1] === databaseDir && state !== 'Z')
        pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

export function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Holds a TCP port (as another program would) until closed. */
export function holdPort(port: number, host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** Log lines (pino JSON on stdout) at error level or above, and any stderr line. */
export function errorLines(run: Run): string[] {
  const logged = run.stdout.split('\n').filter((line) => {
    if (!line.startsWith('{')) return false;
    try {
      return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
    } catch {
      return false;
    }
  });
  return [...logged, ...run.stderr.split('\n').filter((line) => line.trim())];
}

/** The lines of `text` without empty ones. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim());
}

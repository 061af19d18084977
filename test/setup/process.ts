import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';

import { createDeferred } from '../fixtures/deferred.js';
import { servesDatabase } from '../fixtures/published.js';
import { DEFAULT_WAIT_MS, withDeadline } from '../fixtures/wait.js';

// A real `node dist/src/main.js` process (the build is made by `npm test` before jest runs).

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface Run {
  readonly child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number | null>;
}

export interface StartOptions {
  /** Its own process group, as a shell starts a foreground job. */
  readonly detached?: boolean;
  readonly script?: string;
  readonly args?: readonly string[];
  /** Working directory (default: the repository). */
  readonly cwd?: string;
}

/** `node <script>` (default the server, `dist/src/main.js`) with only PATH and `env` in its environment. */
export function start(env: Record<string, string>, options: StartOptions = {}): Run {
  const { detached = false, script = 'dist/src/main.js', args = [], cwd } = options;
  if (env['PORT'] && env['DATABASE_URL']) servesDatabase(`http://127.0.0.1:${env['PORT']}`, env['DATABASE_URL']);
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...env },
    detached,
  });
  const exited = createDeferred<number | null>();
  const run: Run = { child, stdout: '', stderr: '', exited: exited.promise };
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  child.on('exit', (code) => exited.resolve(code));
  return run;
}

/** Waits until the child prints `pattern`; fails if it exits first or at the deadline (with its stderr). */
export async function waitForOutput(run: Run, pattern: RegExp, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  const exitedEarly = run.exited.then((code) => {
    throw new Error(`exited with ${code} before printing ${pattern}: ${run.stderr}`);
  });
  exitedEarly.catch(() => undefined); // a later, expected exit is not an error
  const printed = (async () => {
    while (!pattern.test(run.stdout)) {
      await Promise.race([new Promise((resolve) => run.child.stdout.once('data', resolve)), exitedEarly]);
    }
  })();
  await withDeadline(printed, { what: `the server to print ${pattern}`, timeoutMs }, () => `stderr: ${run.stderr}`);
}

/** The child's exit code; fails at the deadline naming `what` (e.g. "the server to exit after SIGTERM"). */
export function exitCode(run: Run, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<number | null> {
  return withDeadline(run.exited, { what, timeoutMs }, () => `stderr: ${run.stderr}`);
}

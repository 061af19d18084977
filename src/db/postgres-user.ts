import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import {
  access,
  chmod,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';

import { errorMessage } from '../lib/error-message.js';
import type { Logger } from '../lib/logger.js';

// PostgreSQL refuses to run as root, so under root the embedded server runs as the `postgres` system user.
// That user must be able to enter every folder on the way to the binaries and to DATA_DIR: a checkout under
// /root (or any 0700 folder) is out of its reach.

export interface PostgresUser {
  readonly uid: number;
  readonly gid: number;
  /** Primary and supplementary groups. */
  readonly groups: readonly number[];
}

/** Where binaries out of the `postgres` user's reach are copied to (once per version), root-owned, 0755. */
const SHARED_DIR = '/var/lib/dsync';

function idOf(args: string[]): string {
  return execFileSync('id', [...args, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Under root: the `postgres` system user (created when missing); otherwise undefined (PostgreSQL runs as us). */
export function postgresUser(): PostgresUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    idOf(['-u']);
  } catch {
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'pipe' });
      execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres'], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(
        `dsync runs as root, so the embedded PostgreSQL must run as the postgres user, which could not be created (${errorMessage(error).split('\n')[0]}): create it, run dsync as another user, or set DATABASE_URL`,
      );
    }
  }
  const groups = idOf(['-G']).split(/\s+/).map(Number);
  return { uid: Number(idOf(['-u'])), gid: Number(idOf(['-g'])), groups };
}

function canEnter(folder: { uid: number; gid: number; mode: number }, user: PostgresUser): boolean {
  if (folder.uid === user.uid) return (folder.mode & 0o100) !== 0;
  if (user.groups.includes(folder.gid)) return (folder.mode & 0o010) !== 0;
  return (folder.mode & 0o001) !== 0;
}

/** `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`. */
function foldersOnTheWay(target: string): string[] {
  const folders = [path.parse(target).root];
  for (const part of target.split(path.sep).filter(Boolean)) folders.push(path.join(folders.at(-1) ?? '', part));
  return folders;
}

/**
 * The first folder on the way to `target` (itself included, symlinks resolved and not) that `user` cannot
 * enter, described as `/root (mode 0700, owner uid 0)`; undefined when every folder lets it through.
 */
export async function unreachableFolder(target: string, user: PostgresUser): Promise<string | undefined> {
  const resolved = path.resolve(target);
  const real = await realpath(resolved).catch(() => resolved);
  for (const folder of new Set([...foldersOnTheWay(resolved), ...foldersOnTheWay(real)])) {
    const info = await stat(folder).catch(() => undefined);
    if (info && !canEnter(info, user)) {
      return `${folder} (mode ${(info.mode & 0o7777).toString(8).padStart(4, '0')}, owner uid ${info.uid})`;
    }
  }
  return undefined;
}

/** Fails unless `folder` is a real folder owned by root and writable by nobody else (it holds binaries). */
async function assertRootOnly(folder: string): Promise<void> {
  const info = await lstat(folder);
  if (!info.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) {
    throw new Error(
      `${folder} must be a folder owned by root and writable only by root (it holds the PostgreSQL binaries copied for the postgres user); remove it and start again`,
    );
  }
}

async function version(nativeDir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}

/**
 * The PostgreSQL installation (`bin/`, `lib/`, `share/`) that `user` can run: the package's own when it can
 * reach it, else a copy under /var/lib/dsync made once per version (symlinks in `lib/` kept as they are,
 * copied aside and renamed into place so concurrent starts never see half a copy).
 */
/** `chmod -R a+rX`: folders 0755, files readable by all, executables executable by all; links untouched. */
async function makeReadableByAll(folder: string): Promise<void> {
  await chmod(folder, 0o755);
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) await makeReadableByAll(full);
    else if (entry.isFile()) {
      const { mode } = await lstat(full);
      await chmod(full, (mode & 0o777) | 0o444 | (mode & 0o100 ? 0o111 : 0));
    }
  }
}

export async function reachableInstallation(nativeDir: string, user: PostgresUser, logger?: Logger): Promise<string> {
  const blocked = await unreachableFolder(path.join(nativeDir, 'bin'), user);
  if (blocked === undefined) return nativeDir;
  const target = path.join(SHARED_DIR, `postgres-${await version(nativeDir)}`);
  const complete = path.join(target, '.complete');
  try {
    await mkdir(SHARED_DIR, { recursive: true, mode: 0o755 });
    await assertRootOnly(SHARED_DIR);
    if (
      !(await access(complete, constants.F_OK).then(
        () => true,
        () => false,
      ))
    ) {
      logger?.info(
        { from: nativeDir, to: target, blocked },
        'copying the PostgreSQL binaries where the postgres user can reach them',
      );
      const staging = `${target}.${process.pid}.tmp`;
      await rm(staging, { recursive: true, force: true });
      await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      await makeReadableByAll(staging); // a checkout made under umask 077 has files only root may read
      await writeFile(path.join(staging, '.complete'), '');
      await rename(staging, target).catch(async (error: unknown) => {
        await rm(staging, { recursive: true, force: true });
        // Another dsync finished the same copy first.
        if (
          !(await access(complete, constants.F_OK).then(
            () => true,
            () => false,
          ))
        )
          throw error;
      });
    }
    await assertRootOnly(target);
  } catch (error) {
    throw new Error(
      `the postgres user cannot reach the PostgreSQL binaries (blocked at ${blocked}) and copying them to ${target} failed: ${errorMessage(error).split('\n')[0]}`,
    );
  }
  const stillBlocked = await unreachableFolder(path.join(target, 'bin'), user);
  if (stillBlocked !== undefined) {
    throw new Error(
      `the postgres user cannot reach the PostgreSQL binaries, neither in ${nativeDir} nor in ${target} (blocked at ${stillBlocked}); move the checkout (e.g. under /opt or /srv), run dsync as another user, or set DATABASE_URL`,
    );
  }
  return target;
}

/** Fails with one line unless `user` can enter DATA_DIR (it cannot be moved without the operator knowing). */
export async function assertDataDirReachable(dataDir: string, user: PostgresUser): Promise<void> {
  const blocked = await unreachableFolder(dataDir, user);
  if (blocked === undefined) return;
  throw new Error(
    `dsync runs as root, so the embedded PostgreSQL runs as the postgres user, which cannot enter ${blocked} on the way to DATA_DIR ${dataDir}: ` +
      'set DATA_DIR to a folder it can reach (e.g. DATA_DIR=/var/lib/dsync/data), set DATABASE_URL, or run dsync as another user',
  );
}

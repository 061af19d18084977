import pg from 'pg';

import { errorMessage } from '../lib/error-message.js';

/** The database name of a PostgreSQL URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  return name;
}

/** The same server, another database. */
export function withDatabase(url: string, name: string): string {
  const next = new URL(url);
  next.pathname = `/${encodeURIComponent(name)}`;
  return next.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `host:port` of a URL, for messages (never the credentials). */
export function serverAddress(url: string): string {
  const { hostname, port } = new URL(url);
  return `${hostname}:${port || '5432'}`;
}

/** Connects a client, or fails with one line naming the server (and not the password). */
export async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new Error(`cannot connect to PostgreSQL at ${serverAddress(url)}: ${errorMessage(error)}`);
  }
  return client;
}

async function withMaintenanceClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectClient(withDatabase(url, 'postgres'));
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` when it does not exist (optionally as a copy of `template`). */
export async function ensureDatabase(url: string, template?: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceClient(url, async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return;
    const from = template ? ` template ${quoteIdent(template)}` : '';
    try {
      await client.query(`create database ${quoteIdent(name)}${from}`);
    } catch (error) {
      // Another process starting at the same moment created it first: 42P04 duplicate_database, or the
      // unique index of pg_database (23505) when both got past the check in the same instant.
      const code = (error as { code?: unknown }).code;
      if (code !== '42P04' && code !== '23505') throw error;
    }
  });
}

export async function dropDatabase(url: string): Promise<void> {
  await withMaintenanceClient(url, async (client) => {
    await client.query(`drop database if exists ${quoteIdent(databaseName(url))} with (force)`);
  });
}

/**
 * Runs `run` while holding a PostgreSQL advisory lock named `name` on a connection of its own, so that
 * processes starting at the same time (replicas, `npm run migrate`) take turns.
 */
export async function withAdvisoryLock<T>(url: string, name: string, run: () => Promise<T>): Promise<T> {
  const client = await connectClient(url);
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [name]);
    return await run();
  } finally {
    // Ending the session releases the lock as well.
    await client.end().catch(() => undefined);
  }
}

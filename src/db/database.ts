import pg from 'pg';

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

async function withMaintenanceClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
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
    await client.query(`create database ${quoteIdent(name)}${from}`);
  });
}

export async function dropDatabase(url: string): Promise<void> {
  await withMaintenanceClient(url, async (client) => {
    await client.query(`drop database if exists ${quoteIdent(databaseName(url))} with (force)`);
  });
}

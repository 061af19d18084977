import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type pg from 'pg';

import { pipelined } from './pipeline.js';

/**
 * Plain SQL on the ORM's own connection pool, for the hot paths (the provisioning aggregate): one statement
 * text with `$1, $2, …` parameters, sent as is, rows back as `pg` parses them — no query building, no
 * identity map, no unit of work. Connections, `statement_timeout` and type parsing are the ORM's, so a
 * statement here behaves exactly like one run through MikroORM, and every statement reaches the ORM's query
 * logger (the query budgets in the tests count them).
 */
export interface Sql {
  /** Runs one statement and returns its rows. */
  query<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs one statement and returns how many rows it affected. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
}

/** The statements of one transaction (see {@link Database.transaction}). */
export interface Transaction extends Sql {
  /**
   * Runs the transaction's last statement and commits, in one round trip; the transaction is over when it
   * resolves (a statement after it is an error). When it throws, nothing was committed.
   */
  commitWith<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface Database extends Sql {
  /**
   * Runs `work` in one transaction on one connection: committed when it resolves (or by its
   * {@link Transaction.commitWith}), rolled back when it throws. BEGIN travels with the first statement and
   * COMMIT with the last one given to `commitWith`: a read, compute, write transaction costs two round trips.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Runs one statement on its own — PostgreSQL commits it, all of it or nothing — and tells the commit
   * listeners: a write of a row and its event in one statement costs one round trip instead of four.
   */
  write<Row>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Calls `listener` after each {@link transaction} or {@link write} commits; returns its removal. */
  onCommit(listener: () => void): () => void;
}

interface KnexClient {
  acquireConnection(): Promise<pg.PoolClient>;
  releaseConnection(connection: pg.PoolClient): Promise<void>;
}

/** Most distinct statement texts prepared by name (per process; each pooled connection prepares those it runs). */
const MAX_PREPARED = 200;

/**
 * The name a statement text is prepared under: derived from the text, so that every {@link Database} on one
 * pool (and every process) names a text alike and never gives one name to two texts.
 */
function statementName(text: string): string {
  return `dsync_${createHash('sha256').update(text).digest('base64url').slice(0, 32)}`;
}

/** `$1, $2, …, $count` after `offset` parameters, for `in (…)` lists and multi-row `values`. */
export function placeholders(count: number, offset = 0): string {
  return Array.from({ length: count }, (_, i) => `$${offset + i + 1}`).join(', ');
}

/** A LIKE/ILIKE pattern that matches `text` literally (use with `escape '\'`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

interface TransactionState {
  open: boolean;
  done: boolean;
  committed: boolean;
}

/** The database behind `orm`, for plain SQL. */
export function sqlDatabase(orm: MikroORM): Database {
  const knex = orm.em.getConnection().getKnex();
  const client = knex.client as unknown as KnexClient;
  const logger = orm.config.getLogger();
  const commitListeners = new Set<() => void>();
  // Named (prepared) statements: PostgreSQL parses and plans a text once per connection instead of on every
  // call (+39 % `userName eq` lookups in the side-by-side benchmark). Filters make texts vary with what an
  // IdP sends, so only the first MAX_PREPARED distinct texts get a name; later ones run unnamed, as before.
  const names = new Map<string, string>();
  const nameOf = (text: string, params: readonly unknown[]): { name?: string } => {
    if (params.length === 0) return {};
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED) names.set(text, (name = statementName(text)));
    return name === undefined ? {} : { name };
  };

  /**
   * Runs one statement on `connection`, with BEGIN sent ahead of it and/or COMMIT after it in the same round
   * trip when asked; every statement reaches the query logger (the text, never its values).
   */
  const execute = (
    connection: pg.PoolClient,
    text: string,
    params: readonly unknown[],
    { begin = false, commit = false } = {},
  ): Promise<{ rows: unknown[]; rowCount: number | null }> => {
    if (begin) logger.logQuery({ query: 'begin', level: 'info' });
    logger.logQuery({ query: text, level: 'info' });
    if (commit) logger.logQuery({ query: 'commit', level: 'info' });
    const config = { text, values: params as unknown[], ...nameOf(text, params) };
    return pipelined(connection, config, begin ? 'begin' : null, commit ? 'commit' : null);
  };

  const on = (connection: pg.PoolClient): Sql => ({
    query: async <Row>(text: string, params: readonly unknown[] = []) =>
      (await execute(connection, text, params)).rows as Row[],
    run: async (text: string, params: readonly unknown[] = []) =>
      (await execute(connection, text, params)).rowCount ?? 0,
  });

  /**
   * A transaction on `connection`: BEGIN is sent with its first statement, COMMIT with `commitWith`'s.
   * `state.open`: BEGIN was sent (a ROLLBACK or COMMIT is due); `state.done`: `commitWith` was called;
   * `state.committed`: its COMMIT succeeded.
   */
  const inTransaction = (connection: pg.PoolClient, state: TransactionState): Transaction => {
    const send = async (text: string, params: readonly unknown[], commit: boolean) => {
      if (state.done) throw new Error('statement after the transaction committed');
      const begin = !state.open;
      state.open = true;
      state.done = commit;
      const result = await execute(connection, text, params, { begin, commit });
      state.committed = commit;
      return result;
    };
    return {
      query: async <Row>(text: string, params: readonly unknown[] = []) =>
        (await send(text, params, false)).rows as Row[],
      run: async (text: string, params: readonly unknown[] = []) => (await send(text, params, false)).rowCount ?? 0,
      commitWith: async <Row>(text: string, params: readonly unknown[] = []) =>
        (await send(text, params, true)).rows as Row[],
    };
  };

  async function withConnection<T>(work: (connection: pg.PoolClient) => Promise<T>): Promise<T> {
    const connection = await client.acquireConnection();
    try {
      return await work(connection);
    } finally {
      await client.releaseConnection(connection);
    }
  }

  return {
    query: (text, params) => withConnection((connection) => on(connection).query(text, params)),
    run: (text, params) => withConnection((connection) => on(connection).run(text, params)),
    async write<Row>(text: string, params?: readonly unknown[]): Promise<Row[]> {
      const rows = await withConnection((connection) => on(connection).query<Row>(text, params));
      for (const listener of commitListeners) listener();
      return rows;
    },
    transaction: (work) =>
      withConnection(async (connection) => {
        const state: TransactionState = { open: false, done: false, committed: false };
        const committed = () => {
          for (const listener of commitListeners) listener();
        };
        let result;
        try {
          result = await work(inTransaction(connection, state));
          if (state.open && !state.done) {
            logger.logQuery({ query: 'commit', level: 'info' });
            await connection.query('commit');
            state.committed = true;
          } else if (state.done && !state.committed) {
            // `work` caught its commitWith's failure: nothing was committed, and that is an error.
            throw new Error('the transaction was not committed: its last statement failed');
          }
        } catch (error) {
          if (state.committed)
            committed(); // `work` threw after commitWith: what it wrote stays
          // A failed statement leaves the block open and aborted; a failed COMMIT has ended it (then this
          // ROLLBACK only draws a warning).
          else if (state.open) await connection.query('rollback').catch(() => undefined);
          throw error;
        }
        if (state.committed) committed();
        return result;
      }),
    onCommit(listener) {
      commitListeners.add(listener);
      return () => commitListeners.delete(listener);
    },
  };
}

/**
 * A timestamptz as the ORM's pool returns it — PostgreSQL's text, `2026-11-30 23:07:23.123456+00` (the pool
 * leaves dates unparsed) — as a Date (millisecond precision). An ISO 8601 string works too.
 */
export function parseTimestamp(text: string): Date {
  return new Date(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
}

/** PostgreSQL's unique_violation (23505), from a statement sent through {@link Sql}. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

import pg from 'pg';

/**
 * What pg's Query calls on the connection to send the extended-query messages (its own, undocumented in
 * @types/pg: node-postgres's Query and pg-cursor use exactly these).
 */
interface ProtocolConnection {
  /** Named statements whose Parse was sent on this connection (pg's bookkeeping). */
  readonly submittedNamedStatements: Record<string, string>;
  parse(message: { text: string; name?: string; types?: unknown }): void;
  bind(message: { portal?: string; statement?: string; values?: unknown[] }): void;
  execute(message: { portal?: string; rows?: number }): void;
  sync(): void;
}

/** The parts of pg's Query this subclass overrides; present in every pg 8 release. */
interface QueryInternals {
  readonly text: string;
  readonly name?: string;
  readonly types?: unknown;
  hasBeenParsed(connection: ProtocolConnection): boolean;
  prepare(connection: ProtocolConnection): void;
  _getRows(connection: ProtocolConnection, rows?: number): void;
}

/** A statement without parameters, run through the extended protocol (Parse, Bind, Execute; no Sync). */
function sendPlain(connection: ProtocolConnection, text: string): void {
  connection.parse({ text });
  connection.bind({ values: [] });
  connection.execute({ rows: 0 });
}

/** A result set as pg reports it: one per statement that completed. */
interface PgResult {
  readonly command: string;
  readonly rows: unknown[];
  readonly rowCount: number | null;
}

/**
 * One statement with `begin` sent ahead of it and/or `commit` after it, in one pipeline: one write to the
 * socket, one Sync, one round trip (PostgreSQL's extended query protocol allows several Execute messages
 * before a Sync; a BEGIN among them opens a transaction block that outlives the Sync, and a failing
 * statement makes the server skip the rest, COMMIT included, so the block is left aborted for the caller's
 * ROLLBACK). Resolves with the statement's own result. One difference from separate round trips: a row
 * that pg fails to parse (a type parser throwing) rejects after the COMMIT has run.
 */
class PipelinedQuery extends (pg.Query as unknown as new (config: pg.QueryConfig) => pg.Query & QueryInternals) {
  constructor(
    config: pg.QueryConfig,
    private readonly leading: string | null,
    private readonly trailing: string | null,
  ) {
    super({ ...config, queryMode: 'extended' } as pg.QueryConfig);
  }

  override prepare(connection: ProtocolConnection): void {
    if (this.leading) {
      // pg credits every ParseComplete to this query's name: a named statement not yet parsed on this
      // connection is parsed ahead of the leading statement, so that the first ParseComplete is its own.
      // (After the leading one, a failing Parse would leave the name marked parsed, and every later use of
      // it on this connection would bind to a statement the server never made.)
      if (this.name && !this.hasBeenParsed(connection)) {
        connection.parse({ text: this.text, name: this.name, types: this.types });
        connection.submittedNamedStatements[this.name] = this.text;
      }
      sendPlain(connection, this.leading);
    }
    super.prepare(connection);
  }

  override _getRows(connection: ProtocolConnection): void {
    connection.execute({ rows: 0 });
    if (this.trailing) sendPlain(connection, this.trailing);
    connection.sync();
  }
}

/**
 * Runs `config` on `connection` with `leading` (e.g. `begin`) and/or `trailing` (e.g. `commit`) in the
 * same round trip; the result is the statement's. Without either it is a plain `connection.query`.
 */
export async function pipelined(
  connection: pg.ClientBase,
  config: pg.QueryConfig,
  leading: string | null,
  trailing: string | null,
): Promise<{ rows: unknown[]; rowCount: number | null }> {
  if (!leading && !trailing) return connection.query(config);
  const results = await new Promise<PgResult | PgResult[]>((resolve, reject) => {
    const query = new PipelinedQuery(config, leading, trailing);
    // A callback, not 'end'/'error' listeners: with query_timeout set, pg reports errors only to it.
    (query as unknown as { callback: (error: Error | null, results: PgResult | PgResult[]) => void }).callback = (
      error,
      results,
    ) => (error ? reject(error) : resolve(results));
    void connection.query(query as unknown as pg.QueryConfig);
  });
  const list = Array.isArray(results) ? results : [results];
  const own = list[leading ? 1 : 0];
  if (!own) throw new Error(`pipelined statement: ${list.length} results, expected its own`);
  return own;
}

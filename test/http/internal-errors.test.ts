import { connect, createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { createLogger } from '../../src/lib/logger.js';
import { CREATE_ORGANIZATION, errorCodes, graphql } from '../fixtures/graphql.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';
import { freePort } from '../setup/process.js';

/** A TCP relay in front of PostgreSQL, so a test can take "the database" away and bring it back. */
class DatabaseLink {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Refuses new connections (ECONNREFUSED) and cuts the open ones. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise((resolve) => server?.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

const MARKER = 'Zebra-7d1e-marker';

describe('NODE_ENV=production with the database unreachable', () => {
  let database: TestDatabase;
  let link: DatabaseLink;
  let t: TestApp & { rawLogs: string[] };
  beforeAll(async () => {
    database = await createTestDatabase();
    const url = new URL(database.url);
    link = new DatabaseLink(await freePort(), { host: url.hostname, port: Number(url.port) });
    await link.up();
    url.hostname = '127.0.0.1';
    url.port = String(link.port);
    t = await startTestApp({ NODE_ENV: 'production' }, { url: url.toString(), drop: () => database.drop() });
  });
  afterAll(async () => {
    await link.up(); // back, so the app stops cleanly
    await t.close();
    await link.down();
    await database.drop();
  });

  it('answers a generic INTERNAL_SERVER_ERROR without the driver message, host or port', async () => {
    // Nothing may bypass the logger either (knex prints dying connections with console.log, SQL included).
    const printed: string[] = [];
    const { log, error, warn } = console;
    console.log = console.error = console.warn = (...args: unknown[]) => printed.push(args.map(String).join(' '));
    await link.down();
    try {
      const res = await graphql(t.url, t.sandboxKey, '{ viewer { apiKey { id } } }');
      expect(res.errors).toEqual([{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      const body = JSON.stringify(res);
      for (const detail of ['ECONNREFUSED', 'Context creation failed', String(link.port), '127.0.0.1'])
        expect(body).not.toContain(detail);
      // The operator still learns what happened.
      expect(t.rawLogs.some((line) => line.includes('graphql internal error') && line.includes('ECONNREFUSED'))).toBe(
        true,
      );
    } finally {
      await link.up();
      Object.assign(console, { log, error, warn });
    }
    expect(printed).toEqual([]);
  });
});

describe('error logs', () => {
  let t: TestApp & { rawLogs: string[] };
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('log a database error caused by user data with its SQLSTATE, never the statement or the data', async () => {
    // A trigger makes the insert fail in the database, with the name in the statement's parameters; the
    // app's own code runs unchanged.
    const admin = new pg.Client({ connectionString: t.database.url });
    await admin.connect();
    try {
      await admin.query(`create function fail_marked_organization() returns trigger language plpgsql as $$
        begin
          if new.name like '%marker%' then raise exception 'failing on purpose'; end if;
          return new;
        end $$`);
      await admin.query(
        'create trigger fail_marked before insert on organizations for each row execute function fail_marked_organization()',
      );
    } finally {
      await admin.end();
    }
    const res = await graphql(t.url, t.sandboxKey, CREATE_ORGANIZATION, {
      input: { name: MARKER, metadata: { note: MARKER } },
    });
    expect(errorCodes(res)).toEqual(['INTERNAL_SERVER_ERROR']);
    const logged = t.logs.filter((line) => line['msg'] === 'graphql internal error');
    expect(logged).toHaveLength(1);
    expect(logged[0]?.['err']).toMatchObject({
      type: 'DriverException',
      message: expect.stringMatching(/^database error/),
    });
    expect(t.rawLogs.filter((line) => line.includes(MARKER) || /insert into/i.test(line))).toEqual([]);
  });

  it('reduce any database error to its code and location fields (a unique violation carries the value in detail)', async () => {
    const em = t.app.orm.em.fork();
    await em.execute('create temporary table marker_test (value text primary key)');
    await em.execute('insert into marker_test values (?)', [MARKER]);
    const failure = await em.execute('insert into marker_test values (?)', [MARKER]).then(
      () => undefined,
      (error: unknown) => error,
    );
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', destination);
    logger.error({ err: failure }, 'write failed');
    logger.error({ err: new Error('while saving', { cause: failure }) }, 'write failed');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain(MARKER);
    const [direct, wrapped] = lines.map((line) => JSON.parse(line) as { err: Record<string, unknown> });
    expect(direct?.err).toMatchObject({
      type: 'UniqueConstraintViolationException',
      code: '23505',
      constraint: 'marker_test_pkey',
      table: 'marker_test',
    });
    expect(wrapped?.err).toMatchObject({
      message: 'while saving',
      cause: { code: '23505', constraint: 'marker_test_pkey' },
    });
  });
});

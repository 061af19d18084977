// What the `npm run bench` workloads share: one server (createApp, in this process) on a throw-away database,
// directories on demand with a SCIM client each, SCIM bodies, and the bounded load loop.
import 'reflect-metadata';

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { createApp } from '../dist/src/app.js';
import { loadConfig } from '../dist/src/config.js';
import { createLogger } from '../dist/src/lib/logger.js';
import { graphqlClient, openBenchDatabase, percentile } from './lib.mjs';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** A positive integer from the environment, or `fallback`. */
export function envInt(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${value}`);
  return n;
}

/**
 * Runs `count` calls of `fn(i, client)` with `concurrency` clients in flight (client = 0 … concurrency-1, each
 * sequential); returns the wall time and the per-call latencies.
 */
export async function run(count, concurrency, fn) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await fn(i, client);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: count,
    concurrency,
    seconds,
    perSecond: count / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** A user the way IdPs send one. */
export function userBody(userName, i) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    externalId: `ext-${userName}`,
    name: { givenName: `Given${i}`, familyName: `Family${i % 100}` },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
  };
}

/** A PatchOp adding `userIds` to a group's members. */
export function addMembers(userIds) {
  return {
    schemas: [PATCH_SCHEMA],
    Operations: [{ op: 'add', path: 'members', value: userIds.map((value) => ({ value })) }],
  };
}

/** RSS and heap of this process in MB, after a full GC when node runs with --expose-gc. */
export function memory() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss: rss / 2 ** 20, heapUsed: heapUsed / 2 ** 20, afterGc: typeof globalThis.gc === 'function' };
}

function scimClient(scimBase, token) {
  return async (method, path, body) => {
    const res = await fetch(`${scimBase}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}

/**
 * The server under test, and `directory(name)`: a new SCIM directory with its client `scim(method, path, body)`.
 * `logQuery` receives every SQL statement (it turns on the ORM's query logging, which costs time); `env`
 * overrides settings (e.g. `{ SCIM_REQUEST_LOG_SIZE: '0' }`); `name` names the database.
 */
export async function startScimBench({ logQuery, env = {}, name = 'bench' } = {}) {
  const database = await openBenchDatabase(name);
  // The SCIM rate limit is on, as in production, but far above what the load generator sends (it measures
  // what the limiter costs, not how it refuses): SCIM_RATE_LIMIT / SCIM_RATE_BURST override (0 = off).
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    SCIM_RATE_LIMIT: process.env.SCIM_RATE_LIMIT ?? '1000000',
    SCIM_RATE_BURST: process.env.SCIM_RATE_BURST ?? '200',
    ...env,
  });
  const app = await createApp({
    config,
    logger: createLogger('silent'),
    databaseUrl: database.url,
    encryptionKey: randomBytes(32),
    ...(logQuery ? { logQuery } : {}),
  });
  const base = await app.listen(0, '127.0.0.1');
  const gql = graphqlClient(base, (await app.bootstrap())[0].apiKey);
  const org = (await gql('mutation { createOrganization(input: { name: "Bench" }) { id } }')).createOrganization;
  const directory = async (name, provider = 'ENTRA_ID') => {
    const created = (
      await gql(
        `mutation($o: ID!, $n: String!) {
          createDirectory(input: { organizationId: $o, name: $n, provider: ${provider} }) { token directory { id } }
        }`,
        { o: org.id, n: name },
      )
    ).createDirectory;
    const id = created.directory.id;
    return { id, scim: scimClient(`${base}/scim/v2/${id}`, created.token) };
  };
  return {
    databaseUrl: database.url,
    directory,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

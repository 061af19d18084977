import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { allEvents } from '../fixtures/events.js';
import { uniq } from '../fixtures/graphql.js';
import {
  createTestDirectory,
  ENTERPRISE,
  ERROR,
  PATCH_OP,
  scimGroupBody,
  scimUserBody,
  type TestDirectory,
} from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { useScimDirectory } from '../setup/scim.js';

// SCIM Bulk (RFC 7644 §3.7) through the real server: each operation runs through the single-resource
// handlers and commits on its own; bulkId references are resolved in any order.

const ctx = useScimDirectory();

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

function bulk(operations: unknown[], extra: Record<string, unknown> = {}, dir: TestDirectory = ctx.dir) {
  return dir.scim.post('/Bulk', { schemas: [BULK_REQUEST], ...extra, Operations: operations });
}

function failed(status: number, scimType?: string, detail: unknown = expect.any(String)) {
  return {
    status: String(status),
    response: { schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail },
  };
}

async function userNamed(userName: string): Promise<any> {
  const res = await ctx.dir.scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
  return res.body.Resources[0];
}

/** The SCIM base the server names in locations (PUBLIC_URL, not the loopback address the test calls). */
function publicBase(): string {
  return `https://dsync.test/scim/v2/${ctx.dir.directoryId}`;
}

function idOf(result: { location: string }): string {
  return result.location.split('/').at(-1) ?? '';
}

async function userCount(): Promise<number> {
  return (await ctx.dir.scim.get('/Users?count=0')).body.totalResults;
}

describe('POST /Bulk', () => {
  it('creates a user and adds it to a group in one request, the group op referring forward to the user', async () => {
    const user = scimUserBody();
    const group = scimGroupBody({ members: [{ value: 'bulkId:u1' }] });
    const res = await bulk([
      { method: 'POST', path: '/Groups', bulkId: 'g1', data: group },
      { method: 'POST', path: '/Users', bulkId: 'u1', data: user },
    ]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/scim+json');
    expect(res.body.schemas).toEqual([BULK_RESPONSE]);
    const base = publicBase();
    // Listed in the order they ran: the user first, since the group waited for its bulkId.
    expect(res.body.Operations).toEqual([
      {
        method: 'POST',
        bulkId: 'u1',
        version: 'W/"1"',
        location: expect.stringMatching(new RegExp(`^${base}/Users/[0-9a-f-]{36}$`)),
        status: '201',
      },
      {
        method: 'POST',
        bulkId: 'g1',
        version: 'W/"1"',
        location: expect.stringMatching(new RegExp(`^${base}/Groups/[0-9a-f-]{36}$`)),
        status: '201',
      },
    ]);
    const userId = idOf(res.body.Operations[0]);
    const groupId = idOf(res.body.Operations[1]);
    const readUser = await ctx.dir.scim.get(`/Users/${userId}`);
    expect(readUser.body).toMatchObject({ userName: user['userName'], groups: [{ value: groupId }] });
    const readGroup = await ctx.dir.scim.get(`/Groups/${groupId}`);
    expect(readGroup.body).toMatchObject({ displayName: group['displayName'], members: [{ value: userId }] });

    const events = (await allEvents(ctx.t.url, ctx.t.sandboxKey, { directoryId: ctx.dir.directoryId })).filter(
      (event) => [userId, groupId].some((id) => JSON.stringify(event.data).includes(id)),
    );
    expect(events.map((event) => event.type)).toEqual([
      'dsync.user.created',
      'dsync.group.created',
      'dsync.group.user_added',
    ]);
    expect(events[0]?.data).toMatchObject({ after: { id: userId } });
    expect(events.map((event) => event.sequence)).toEqual(
      [...events.map((event) => event.sequence)].sort((x, y) => x - y),
    );
  });

  it('resolves bulkIds in manager.value and in paths, and runs PUT, PATCH and DELETE', async () => {
    const existing = (await ctx.dir.scim.post('/Groups', scimGroupBody())).body;
    const doomed = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    const employee = scimUserBody({ [ENTERPRISE]: { manager: { value: 'bulkId:boss' } } });
    const boss = scimUserBody();
    const renamed = uniq('Renamed ');
    const res = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'employee', data: employee },
      {
        method: 'PATCH',
        path: '/Users/bulkId:employee',
        data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }] },
      },
      { method: 'POST', path: '/Users', bulkId: 'boss', data: boss },
      {
        method: 'PUT',
        path: `/Groups/${existing.id}`,
        data: scimGroupBody({ displayName: renamed, members: [{ value: 'bulkId:boss' }] }),
      },
      { method: 'DELETE', path: `/Users/${doomed.id}` },
    ]);
    expect(res.status).toBe(200);
    const ops = res.body.Operations;
    expect(ops.map((op: any) => [op.method, op.bulkId, op.status])).toEqual([
      ['POST', 'boss', '201'],
      ['POST', 'employee', '201'],
      ['PATCH', undefined, '200'],
      ['PUT', undefined, '200'],
      ['DELETE', undefined, '204'],
    ]);
    const bossId = idOf(ops[0]);
    const employeeId = idOf(ops[1]);
    expect(ops[2]).toMatchObject({ location: `${publicBase()}/Users/${employeeId}`, version: 'W/"2"' });
    expect(ops[4]).toEqual({ method: 'DELETE', location: `${publicBase()}/Users/${doomed.id}`, status: '204' });

    expect((await ctx.dir.scim.get(`/Users/${employeeId}`)).body).toMatchObject({
      title: 'Engineer',
      [ENTERPRISE]: { manager: { value: bossId } },
    });
    expect((await ctx.dir.scim.get(`/Groups/${existing.id}`)).body).toMatchObject({
      displayName: renamed,
      members: [{ value: bossId }],
    });
    expect((await ctx.dir.scim.get(`/Users/${doomed.id}`)).status).toBe(404);
  });

  it("uses an operation's version as its If-Match: a stale one fails that operation with 412", async () => {
    const user = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    const rename = (title: string) => ({
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'title', value: title }],
    });
    const res = await bulk([
      { method: 'PATCH', path: `/Users/${user.id}`, version: 'W/"1"', data: rename('First') },
      { method: 'PATCH', path: `/Users/${user.id}`, version: 'W/"1"', data: rename('Stale') },
      { method: 'POST', path: '/Users', bulkId: 'v', version: 'W/"1"', data: scimUserBody() },
    ]);
    expect(res.body.Operations).toEqual([
      expect.objectContaining({ method: 'PATCH', status: '200', version: 'W/"2"' }),
      expect.objectContaining({ method: 'PATCH', ...failed(412) }),
      expect.objectContaining({ method: 'POST', ...failed(400, 'invalidSyntax') }),
    ]);
    expect((await ctx.dir.scim.get(`/Users/${user.id}`)).body).toMatchObject({
      title: 'First',
      meta: { version: 'W/"2"' },
    });
  });

  it('fails an operation referring to its own bulkId with 409, and those that depend on it; runs the others', async () => {
    const [a, b, good] = [scimUserBody(), scimUserBody(), scimUserBody()];
    const res = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'a', data: { ...a, [ENTERPRISE]: { manager: { value: 'bulkId:b' } } } },
      { method: 'POST', path: '/Users', bulkId: 'b', data: { ...b, [ENTERPRISE]: { manager: { value: 'bulkId:b' } } } },
      { method: 'POST', path: '/Users', bulkId: 'good', data: good },
      {
        method: 'PATCH',
        path: '/Users/bulkId:a',
        data: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'title' }] },
      },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.Operations).toEqual([
      { method: 'POST', bulkId: 'good', version: 'W/"1"', location: expect.any(String), status: '201' },
      { method: 'POST', bulkId: 'b', ...failed(409, undefined, expect.stringMatching(/circular bulkId reference/)) },
      {
        method: 'POST',
        bulkId: 'a',
        ...failed(409, undefined, expect.stringMatching(/refers to bulkId "b", whose POST failed/)),
      },
      { method: 'PATCH', ...failed(409, undefined, expect.stringMatching(/bulkId "a", whose POST failed/)) },
    ]);
    expect(await userNamed(String(a['userName']))).toBeUndefined();
    expect(await userNamed(String(b['userName']))).toBeUndefined();
    expect(await userNamed(String(good['userName']))).toBeDefined();
  });

  it('fails both operations of a two-operation cycle', async () => {
    const [a, b] = [scimUserBody(), scimUserBody()];
    const res = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'a', data: { ...a, [ENTERPRISE]: { manager: { value: 'bulkId:b' } } } },
      { method: 'POST', path: '/Users', bulkId: 'b', data: { ...b, [ENTERPRISE]: { manager: 'bulkId:a' } } },
    ]);
    expect(res.body.Operations).toEqual([
      { method: 'POST', bulkId: 'a', ...failed(409, undefined, expect.stringMatching(/circular bulkId reference/)) },
      { method: 'POST', bulkId: 'b', ...failed(409, undefined, expect.stringMatching(/circular bulkId reference/)) },
    ]);
    expect(await userNamed(String(a['userName']))).toBeUndefined();
    expect(await userNamed(String(b['userName']))).toBeUndefined();
  });

  it('an unknown bulkId fails its operation with 400 invalidValue; a failed POST fails those that refer to it', async () => {
    const taken = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    const group = scimGroupBody({ members: [{ value: 'bulkId:nobody' }] });
    const res = await bulk([
      { method: 'POST', path: '/Groups', bulkId: 'g', data: group },
      { method: 'POST', path: '/Users', bulkId: 'dup', data: scimUserBody({ userName: taken.userName }) },
      { method: 'POST', path: '/Groups', bulkId: 'g2', data: scimGroupBody({ members: [{ value: 'bulkId:dup' }] }) },
      // Not a reference: only a whole string value equal to bulkId:<id> is replaced.
      { method: 'POST', path: '/Users', bulkId: 'u', data: scimUserBody({ title: 'see bulkId:dup' }) },
    ]);
    expect(res.body.Operations).toEqual([
      { method: 'POST', bulkId: 'g', ...failed(400, 'invalidValue', expect.stringMatching(/bulkId "nobody"/)) },
      { method: 'POST', bulkId: 'dup', ...failed(409, 'uniqueness') },
      { method: 'POST', bulkId: 'g2', ...failed(409) },
      expect.objectContaining({ method: 'POST', bulkId: 'u', status: '201' }),
    ]);
    const groups = await ctx.dir.scim.get(
      `/Groups?filter=${encodeURIComponent(`displayName eq "${String(group['displayName'])}"`)}`,
    );
    expect(groups.body.totalResults).toBe(0);
    expect((await ctx.dir.scim.get(`/Users/${idOf(res.body.Operations[3])}`)).body.title).toBe('see bulkId:dup');
  });

  it('fails a malformed operation with 400 and runs the good ones around it', async () => {
    const [first, last] = [scimUserBody(), scimUserBody()];
    const res = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'first', data: first },
      { path: '/Users', bulkId: 'no-method', data: scimUserBody() },
      { method: 'GET', path: '/Users' },
      { method: 'POST', path: '/Users', data: scimUserBody() },
      { method: 'POST', path: '/Users', bulkId: 'not-object', data: [scimUserBody()] },
      { method: 'PUT', path: '/Users/x', bulkId: 'has space', data: {} },
      { method: 'POST', path: '/Users', bulkId: 'nul', data: scimUserBody({ title: 'a\u0000b' }) },
      { method: 'POST', path: '/Users', bulkId: 'proto', data: { ...scimUserBody(), constructor: { x: 1 } } },
      'not an operation',
      { method: 'POST', path: '/Users', bulkId: 'first', data: scimUserBody() },
      { method: 'post', path: '/Users', bulkId: 'last', data: last },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.Operations).toEqual([
      expect.objectContaining({ method: 'POST', bulkId: 'first', status: '201' }),
      { bulkId: 'no-method', ...failed(400, 'invalidSyntax', expect.stringMatching(/Operations\[1\]\.method/)) },
      failed(400, 'invalidSyntax', expect.stringMatching(/Operations\[2\]\.method/)),
      { method: 'POST', ...failed(400, 'invalidSyntax', expect.stringMatching(/bulkId is required/)) },
      { method: 'POST', bulkId: 'not-object', ...failed(400, 'invalidSyntax', expect.stringMatching(/data must be/)) },
      { method: 'PUT', ...failed(400, 'invalidValue', expect.stringMatching(/Operations\[5\]\.bulkId/)) },
      { method: 'POST', bulkId: 'nul', ...failed(400, 'invalidValue', expect.stringMatching(/NUL/)) },
      { method: 'POST', bulkId: 'proto', ...failed(400, 'invalidPath') },
      failed(400, 'invalidSyntax', expect.stringMatching(/Operations\[8\] must be an object/)),
      { method: 'POST', ...failed(400, 'invalidValue', expect.stringMatching(/repeats/)) },
      expect.objectContaining({ method: 'POST', bulkId: 'last', status: '201' }),
    ]);
    expect(await userNamed(String(first['userName']))).toBeDefined();
    expect(await userNamed(String(last['userName']))).toBeDefined();
  });

  it('refuses paths outside /Users, /Groups and their resources with 400 invalidPath', async () => {
    const user = (await ctx.dir.scim.post('/Users', scimUserBody())).body;
    const patch = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] };
    const paths = [
      '/Bulk',
      '/ServiceProviderConfig',
      '/Schemas',
      `/Users/../Users/${user.id}`,
      `/Users/${user.id}/..`,
      `${ctx.dir.scim.base}/Users/${user.id}`,
      `//evil.example/Users/${user.id}`,
      `/Users/${user.id}?attributes=id`,
      `/users/${user.id}`,
      `Users/${user.id}`,
      '/Users',
    ];
    const res = await bulk(paths.map((path) => ({ method: 'PATCH', path, data: patch })));
    expect(res.body.Operations).toEqual(paths.map(() => ({ method: 'PATCH', ...failed(400, 'invalidPath') })));
    const post = await bulk([{ method: 'POST', path: `/Users/${user.id}`, bulkId: 'p', data: scimUserBody() }]);
    expect(post.body.Operations).toEqual([{ method: 'POST', bulkId: 'p', ...failed(400, 'invalidPath') }]);
    expect((await ctx.dir.scim.get(`/Users/${user.id}`)).body.title).toBeUndefined();
  });

  it('failOnErrors stops after that many errors: later operations neither run nor appear', async () => {
    const later = scimUserBody();
    const res = await bulk(
      [
        { method: 'DELETE', path: '/Users/00000000-0000-4000-8000-000000000000' },
        { method: 'POST', path: '/Users', bulkId: 'later', data: later },
      ],
      { failOnErrors: 1 },
    );
    expect(res.status).toBe(200);
    expect(res.body.Operations).toEqual([{ method: 'DELETE', location: expect.any(String), ...failed(404) }]);
    expect(await userNamed(String(later['userName']))).toBeUndefined();

    const two = await bulk(
      [
        { method: 'DELETE', path: '/Users/00000000-0000-4000-8000-000000000000' },
        { method: 'POST', path: '/Users', bulkId: 'later', data: later },
      ],
      { failOnErrors: 2 },
    );
    expect(two.body.Operations.map((op: any) => op.status)).toEqual(['404', '201']);
  });

  it('a failOnErrors that is not a positive integer fails the whole request with 400 invalidValue', async () => {
    const before = await userCount();
    for (const failOnErrors of [0, -1, 1.5, '1', null]) {
      const res = await bulk([{ method: 'POST', path: '/Users', bulkId: 'u', data: scimUserBody() }], { failOnErrors });
      expect(res).toMatchObject({ status: 400, body: { schemas: [ERROR], status: '400', scimType: 'invalidValue' } });
    }
    expect(await userCount()).toBe(before);
  });

  it('more than 1,000 operations → 413 tooMany and nothing runs', async () => {
    const before = await userCount();
    const operations = Array.from({ length: 1_001 }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `u${i}`,
      data: { userName: `${uniq('many')}-${i}@example.com` },
    }));
    const res = await bulk(operations);
    expect(res).toMatchObject({
      status: 413,
      body: { schemas: [ERROR], status: '413', scimType: 'tooMany', detail: expect.stringMatching(/1000/) },
    });
    expect(await userCount()).toBe(before);
  });

  it('a body over maxPayloadSize (1 MiB) → 413 tooMany and nothing runs', async () => {
    const before = await userCount();
    const padding = 'x'.repeat(1_100_000);
    const res = await bulk([{ method: 'POST', path: '/Users', bulkId: 'big', data: scimUserBody({ title: padding }) }]);
    expect(res).toMatchObject({ status: 413, body: { schemas: [ERROR], status: '413', scimType: 'tooMany' } });
    expect(await userCount()).toBe(before);
  });

  it('answers a request that is no BulkRequest, or another method, with a SCIM error', async () => {
    expect((await ctx.dir.scim.post('/Bulk', [1])).body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    expect((await ctx.dir.scim.post('/Bulk', { schemas: [BULK_REQUEST] })).body).toMatchObject({
      status: '400',
      scimType: 'invalidSyntax',
    });
    expect((await ctx.dir.scim.get('/Bulk')).status).toBe(405);
    expect((await bulk([])).body).toEqual({ schemas: [BULK_RESPONSE], Operations: [] });
  });
});

describe('POST /Bulk and the rate limit', () => {
  const BURST = 10;
  let app: TestApp;
  beforeAll(async () => {
    // One token per 1,000 s: what a directory may send during the test is its burst.
    app = await startTestApp({ WEBHOOK_WORKERS: '0', SCIM_RATE_LIMIT: '0.001', SCIM_RATE_BURST: String(BURST) });
  });
  afterAll(async () => {
    await app.close();
  });

  it('costs one token per operation; a batch the bucket cannot pay for gets 429 and nothing runs', async () => {
    const dir = await createTestDirectory(app.url, app.sandboxKey);
    const ops = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ method: 'POST', path: '/Users', bulkId: `u${i}`, data: scimUserBody() }));
    const first = await bulk(ops(5), {}, dir);
    expect(first.body.Operations.map((op: any) => op.status)).toEqual(Array(5).fill('201'));
    const refused = await bulk(ops(6), {}, dir);
    expect(refused).toMatchObject({ status: 429, body: { schemas: [ERROR], status: '429' } });
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    // 5 + 1 (the refused request) tokens are spent: four more requests go through, then none.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await dir.scim.get('/Users?count=0')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('holds at most the burst in operations (advertised as maxOperations): more is 413 tooMany, nothing runs', async () => {
    const dir = await createTestDirectory(app.url, app.sandboxKey);
    const config = await dir.scim.get('/ServiceProviderConfig');
    expect(config.body.bulk).toMatchObject({ supported: true, maxOperations: BURST });
    const operations = Array.from({ length: BURST + 1 }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `u${i}`,
      data: scimUserBody(),
    }));
    const res = await bulk(operations, {}, dir);
    expect(res).toMatchObject({ status: 413, body: { scimType: 'tooMany' } });
    expect((await dir.scim.get('/Users?count=0')).body.totalResults).toBe(0);
    // Repeated, such requests never spend more than the bucket holds: the budget is one token each.
    const statuses: number[] = [];
    for (let i = 0; i < BURST; i++) statuses.push((await bulk(operations, {}, dir)).status);
    expect(statuses.at(-1)).toBe(429);
  });
});

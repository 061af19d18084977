import { describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { allEvents } from '../fixtures/events.js';
import { ERROR, scimGroupBody, scimPatch, scimUserBody, type ScimResult } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { useScimDirectory } from '../setup/scim.js';

// SCIM versioning (RFC 7644 §3.14): If-Match on PUT/PATCH/DELETE (412 when stale, atomic with the write) and
// If-None-Match on GET (304 when current), for users and groups.

const ctx = useScimDirectory();

type Resource = 'Users' | 'Groups';

function send(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<ScimResult> {
  return ctx.dir.scim.request(method, path, body, headers);
}

async function create(resource: Resource): Promise<{ id: string; path: string }> {
  const res = await ctx.dir.scim.post(`/${resource}`, resource === 'Users' ? scimUserBody() : scimGroupBody());
  expect(res.status).toBe(201);
  return { id: res.body.id, path: `/${resource}/${res.body.id}` };
}

/** A PATCH that changes something (so the version goes up): a new `title` or `displayName`. */
function change(resource: Resource, value: string): Record<string, unknown> {
  return scimPatch({ op: 'replace', path: resource === 'Users' ? 'title' : 'displayName', value });
}

/** The resource as GET shows it, with the ETag header. */
async function read(path: string): Promise<{ status: number; version: unknown; etag: string | null; body: any }> {
  const res = await ctx.dir.scim.get(path);
  return { status: res.status, version: res.body?.meta?.version, etag: res.headers.get('etag'), body: res.body };
}

async function eventIds(): Promise<string[]> {
  return (await allEvents(ctx.t.url, ctx.t.sandboxKey, { directoryId: ctx.dir.directoryId })).map((e) => e.id);
}

function expectPreconditionFailed(res: ScimResult): void {
  expect(res.status).toBe(412);
  expect(res.body).toEqual({ schemas: [ERROR], status: '412', detail: expect.stringMatching(/has changed/) });
}

describe.each<Resource>(['Users', 'Groups'])('If-Match on /%s/{id}', (resource) => {
  /** A PUT body for the resource at `path` (same userName / a new displayName). */
  async function putBody(path: string, value: string): Promise<Record<string, unknown>> {
    const { body } = await read(path);
    return resource === 'Users'
      ? scimUserBody({ userName: body.userName, title: value })
      : scimGroupBody({ displayName: value });
  }

  it('a stale If-Match on PUT, PATCH or DELETE is 412: nothing changes and no event is recorded', async () => {
    const { path } = await create(resource);
    expect((await ctx.dir.scim.patch(path, change(resource, uniqueValue()))).status).toBeLessThan(300);
    const before = await read(path);
    expect(before.version).toBe('W/"2"');
    const events = await eventIds();

    expectPreconditionFailed(await send('PUT', path, { 'if-match': 'W/"1"' }, await putBody(path, 'put')));
    expectPreconditionFailed(await send('PATCH', path, { 'if-match': 'W/"1"' }, change(resource, 'patch')));
    expectPreconditionFailed(await send('DELETE', path, { 'if-match': 'W/"1"' }));

    expect(await read(path)).toEqual(before);
    expect(await eventIds()).toEqual(events);
  });

  it('a current If-Match applies PUT, PATCH and DELETE; each write goes up one version', async () => {
    const { path } = await create(resource);
    const patched = await send('PATCH', path, { 'if-match': 'W/"1"' }, change(resource, uniqueValue()));
    expect(patched.status).toBeLessThan(300);
    expect(patched.headers.get('etag')).toBe('W/"2"');
    expect((await read(path)).version).toBe('W/"2"');

    const put = await send('PUT', path, { 'if-match': 'W/"2"' }, await putBody(path, uniqueValue()));
    expect(put.status).toBe(200);
    expect(put.body.meta.version).toBe('W/"3"');
    expect(put.headers.get('etag')).toBe('W/"3"');

    expect((await send('DELETE', path, { 'if-match': 'W/"3"' })).status).toBe(204);
    expect((await read(path)).status).toBe(404);
  });

  it('If-Match: * matches whatever version exists; a missing resource is 404 whatever If-Match says', async () => {
    const { path } = await create(resource);
    expect((await ctx.dir.scim.patch(path, change(resource, uniqueValue()))).status).toBeLessThan(300);
    expect((await send('PATCH', path, { 'if-match': '*' }, change(resource, uniqueValue()))).status).toBeLessThan(300);
    expect((await read(path)).version).toBe('W/"3"');
    expect((await send('DELETE', path, { 'if-match': '*' })).status).toBe(204);

    for (const tag of ['*', 'W/"3"', '"1"']) {
      expect((await send('PATCH', path, { 'if-match': tag }, change(resource, 'gone'))).status).toBe(404);
      expect((await send('DELETE', path, { 'if-match': tag })).status).toBe(404);
    }
  });

  it('accepts strong and weak tags and comma-separated lists of them', async () => {
    const { path } = await create(resource);
    const matching: [string, number][] = [
      ['"1"', 1],
      ['W/"2"', 2],
      ['W/"9", "3"', 3],
      [' "x,y" , ,W/"4" ', 4],
      ['"5",W/"5"', 5],
    ];
    for (const [tag, version] of matching) {
      const res = await send('PATCH', path, { 'if-match': tag }, change(resource, uniqueValue()));
      expect([tag, res.status]).toEqual([tag, resource === 'Users' ? 200 : 204]);
      expect((await read(path)).version).toBe(`W/"${version + 1}"`);
    }
    for (const tag of ['"1", W/"2"', '"06"', '"abc"', '""']) {
      const res = await send('PATCH', path, { 'if-match': tag }, change(resource, uniqueValue()));
      expect([tag, res.status]).toEqual([tag, 412]);
    }
    expect((await read(path)).version).toBe('W/"6"');
  });

  it('a malformed If-Match is 400 invalidSyntax, never a 500, and nothing changes', async () => {
    const { path } = await create(resource);
    const malformed = ['1', 'W/1', '"1', 'w/"1"', 'W/ "1"', '*, "1"', '"1" "2"', '"1"x', ',', '**', '"a"b"'];
    for (const tag of malformed) {
      for (const [method, body] of [
        ['PATCH', change(resource, 'never')],
        ['PUT', await putBody(path, 'never')],
        ['DELETE', undefined],
      ] as const) {
        const res = await send(method, path, { 'if-match': tag }, body);
        expect([method, tag, res.status, res.body?.scimType]).toEqual([method, tag, 400, 'invalidSyntax']);
        expect(res.body.detail).toMatch(/If-Match/);
      }
    }
    expect((await read(path)).version).toBe('W/"1"');
  });
});

describe.each<Resource>(['Users', 'Groups'])('If-None-Match on GET /%s/{id}', (resource) => {
  it('is 304 with the ETag and no body when it names the current version (or is *)', async () => {
    const { path } = await create(resource);
    expect((await ctx.dir.scim.patch(path, change(resource, uniqueValue()))).status).toBeLessThan(300);
    for (const tag of ['W/"2"', '"2"', '*', 'W/"1", W/"2"']) {
      const res = await send('GET', path, { 'if-none-match': tag });
      expect([tag, res.status, res.body]).toEqual([tag, 304, undefined]);
      expect(res.headers.get('etag')).toBe('W/"2"');
    }
  });

  it('is 200 with the resource and its ETag when the version has changed', async () => {
    const { path } = await create(resource);
    const value = uniqueValue();
    expect((await ctx.dir.scim.patch(path, change(resource, value))).status).toBeLessThan(300);
    const res = await send('GET', path, { 'if-none-match': 'W/"1"' });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('W/"2"');
    expect(res.body).toEqual((await read(path)).body);
    expect(res.body.meta.version).toBe('W/"2"');
    expect(res.body[resource === 'Users' ? 'title' : 'displayName']).toBe(value);
    // Related values are still loaded after the row alone was compared.
    expect(res.body).toHaveProperty(resource === 'Users' ? 'groups' : 'members');
  });

  it('a malformed If-None-Match is 400 invalidSyntax; a missing resource is 404', async () => {
    const { id, path } = await create(resource);
    const res = await send('GET', path, { 'if-none-match': 'W/1' });
    expect([res.status, res.body.scimType]).toEqual([400, 'invalidSyntax']);
    expect(res.body.detail).toMatch(/If-None-Match/);
    await ctx.dir.scim.delete(path);
    expect((await send('GET', `/${resource}/${id}`, { 'if-none-match': '*' })).status).toBe(404);
  });

  it('is ignored on writes: a PATCH with a matching If-None-Match is applied', async () => {
    const { path } = await create(resource);
    const res = await send('PATCH', path, { 'if-none-match': 'W/"1"' }, change(resource, uniqueValue()));
    expect(res.status).toBe(resource === 'Users' ? 200 : 204);
    expect((await read(path)).version).toBe('W/"2"');
  });
});

describe.each<Resource>(['Users', 'Groups'])('concurrent PATCHes of /%s/{id} with one If-Match', (resource) => {
  it('exactly one applies and the other is 412, even when both wait for the row lock', async () => {
    const { id, path } = await create(resource);
    const table = resource === 'Users' ? 'directory_users' : 'directory_groups';
    // A connection of the test's own holds the row, so that both requests queue behind it; then both go.
    const locker = new pg.Client({ connectionString: ctx.t.database.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query(`select 1 from ${table} where id = $1 for update`, [id]);
      const results = Promise.all(
        [uniqueValue(), uniqueValue()].map((value) =>
          send('PATCH', path, { 'if-match': 'W/"1"' }, change(resource, value)),
        ),
      );
      try {
        // Nothing else in this database waits for a lock: the two waiters are the two PATCHes.
        await waitUntil(
          async () =>
            (
              await locker.query<{ n: number }>(
                `select count(*)::int as n from pg_stat_activity where datname = current_database()
                   and wait_event_type = 'Lock'`,
              )
            ).rows[0]!.n >= 2,
          { what: 'both PATCHes to wait for the row lock' },
        );
      } finally {
        await locker.query('rollback');
      }
      const statuses = (await results).map((res) => res.status).sort();
      expect(statuses).toEqual([resource === 'Users' ? 200 : 204, 412]);
      expect((await read(path)).version).toBe('W/"2"');
    } finally {
      await locker.end();
    }
  });
});

let counter = 0;
/** A value no earlier write used, so that every PATCH or PUT changes the resource. */
function uniqueValue(): string {
  counter += 1;
  return `value-${counter}-${Date.now()}`;
}

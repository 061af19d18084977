import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  createTestDirectory,
  ENTERPRISE,
  ERROR,
  filterPath,
  scimGroupBody,
  scimPatch,
  scimUserBody,
  type TestDirectory,
} from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// An attacker holds one directory token (sandbox) and sends what it likes. Another tenant (a production
// directory) must see nothing of it, and nothing the request names may reach Object.prototype: the server
// runs in this process, so the prototype checked here is the server's own.

let t: TestApp;
let attacker: TestDirectory;
let victim: TestDirectory;
let attackerUserId: string;
let victimUserId: string;
beforeAll(async () => {
  t = await startTestApp();
  attacker = await createTestDirectory(t.url, t.sandboxKey);
  victim = await createTestDirectory(t.url, t.productionKey, 'OKTA');
  attackerUserId = (await attacker.scim.post('/Users', scimUserBody({ [ENTERPRISE]: { department: 'Ops' } }))).body.id;
  victimUserId = (await victim.scim.post('/Users', scimUserBody({ userName: 'victim@example.com' }))).body.id;
});
afterAll(async () => {
  await t.close();
});

function scimError(status: number, scimType?: string) {
  return { schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail: expect.any(String) };
}

/** The victim's view is whole: a read returns every attribute and a list with sorting works. */
async function expectVictimIntact(): Promise<void> {
  const read = await victim.scim.get(`/Users/${victimUserId}`);
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({
    userName: 'victim@example.com',
    name: { givenName: 'Ada' },
    emails: [{ value: 'victim@example.com' }],
  });
  const list = await victim.scim.get('/Users?sortBy=userName');
  expect(list.status).toBe(200);
  expect(list.body.totalResults).toBe(1);
}

const POLLUTING_PATHS = [
  '__proto__.provider',
  '__proto__.excludedAttributes',
  'constructor.prototype.sortOrder',
  'name.__proto__.polluted',
  'name.constructor.prototype.polluted',
  'emails[type eq "work"].__proto__',
  'emails[type eq "work"].constructor',
  'emails[constructor pr].value',
  `${ENTERPRISE}:__proto__.polluted`,
  `${ENTERPRISE}:constructor.prototype.polluted`,
  'urn:evil:constructor:1.0:User:polluted',
  'x.constructor.prototype.polluted',
  'prototype',
];

describe('PATCH paths cannot reach Object.prototype', () => {
  it.each(POLLUTING_PATHS)('%s → 400 invalidPath, nothing changed anywhere', async (path) => {
    for (const op of ['add', 'replace', 'remove']) {
      const res = await attacker.scim.patch(`/Users/${attackerUserId}`, scimPatch({ op, path, value: 'PING' }));
      expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidPath') });
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    await expectVictimIntact();
  });

  it.each([
    [
      'a dotted key of an object value',
      { op: 'add', path: 'name', value: { 'constructor.prototype.polluted': 'yes' } },
    ],
    [
      'an inherited key of an object value',
      { op: 'replace', path: 'name', value: { constructor: { prototype: { polluted: 'yes' } } } },
    ],
    ['a dotted key without path', { op: 'add', value: { 'name.constructor.prototype.polluted': 'yes' } }],
    ['a URN key without path', { op: 'add', value: { [`${ENTERPRISE}:constructor`]: 'yes' } }],
    ['an inherited name without path', { op: 'replace', value: { constructor: 'yes' } }],
  ])('%s → 400 invalidPath', async (_case, operation) => {
    const res = await attacker.scim.patch(`/Users/${attackerUserId}`, scimPatch(operation));
    expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidPath') });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    await expectVictimIntact();
  });

  it.each([
    [
      'a method of a created object',
      [
        { op: 'add', path: 'foo', value: {} },
        { op: 'add', path: 'foo.hasOwnProperty.call', value: 1 },
      ],
    ],
    [
      'a method of a stored array',
      [
        { op: 'add', path: 'foo', value: [[1]] },
        { op: 'add', path: 'foo.map.call', value: 1 },
      ],
    ],
    ['a method as a dotted value key', [{ op: 'add', path: 'foo', value: { 'toString.call': 1 } }]],
    ['a method as a plain value key', [{ op: 'add', path: 'foo', value: { hasOwnProperty: 1 } }]],
    ['a method of a string', [{ op: 'replace', path: 'title.sub', value: 1 }]],
    ['a method under an extension', [{ op: 'add', path: 'urn:okta:custom:1.0:User:valueOf', value: 1 }]],
  ])('%s → 400 invalidPath; built-in methods untouched', async (_case, operations) => {
    const res = await attacker.scim.patch(`/Users/${attackerUserId}`, scimPatch(...operations));
    expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidPath') });
    const hasOwnProperty = Object.getOwnPropertyDescriptor(Object.prototype, 'hasOwnProperty')?.value as object;
    expect(Object.getOwnPropertyNames(hasOwnProperty)).toEqual(['length', 'name']); // no `call` of its own
    await expectVictimIntact();
  });

  it('a sub-attribute of a value that is not complex (title.x on a string) → 400 invalidPath, not a 500', async () => {
    await attacker.scim.patch(`/Users/${attackerUserId}`, scimPatch({ op: 'replace', path: 'title', value: 'Dr' }));
    const res = await attacker.scim.patch(
      `/Users/${attackerUserId}`,
      scimPatch({ op: 'add', path: 'title.x', value: 1 }),
    );
    expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidPath') });
  });

  it.each([
    ['nested in an unknown attribute', { foo: { constructor: { prototype: { x: 1 } } } }],
    ['inside an extension', { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { constructor: 1 } }],
    ['inside a multi-valued attribute', { emails: [{ value: 'p@example.com', prototype: {} }] }],
  ])('a body key naming prototype machinery %s → 400 invalidPath', async (_case, overrides) => {
    expect(await attacker.scim.post('/Users', scimUserBody(overrides))).toMatchObject({
      status: 400,
      body: scimError(400, 'invalidPath'),
    });
  });

  it('a "__proto__" key in a body is refused before any code sees it', async () => {
    const raw = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"name","value":{"__proto__":{"polluted":"yes"}}}]}`;
    const res = await attacker.scim.request('PATCH', `/Users/${attackerUserId}`, raw);
    expect(res.status).toBe(400);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('still patches what the schemas and the name grammar allow, unknown attributes included', async () => {
    const res = await attacker.scim.patch(
      `/Users/${attackerUserId}`,
      scimPatch(
        { op: 'replace', path: 'name.givenName', value: 'Grace' },
        { op: 'add', path: `${ENTERPRISE}:costCenter`, value: 'CC-1' },
        { op: 'add', path: 'urn:okta:custom:1.0:User:favouriteLanguage', value: 'COBOL' },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'grace@example.com' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: { givenName: 'Grace' },
      [ENTERPRISE]: { department: 'Ops', costCenter: 'CC-1' },
      'urn:okta:custom:1.0:User': { favouriteLanguage: 'COBOL' },
      emails: [{ value: 'grace@example.com', type: 'work' }],
    });
  });
});

describe('other request text that names attributes', () => {
  it.each([
    'constructor pr',
    'emails[constructor pr]',
    'name.constructor eq "x"',
    'x.__proto__ pr',
    'urn:a:prototype:User:x pr',
  ])('filter %s → 400 invalidFilter', async (filter) => {
    expect(await attacker.scim.get(filterPath('Users', filter))).toMatchObject({
      status: 400,
      body: scimError(400, 'invalidFilter'),
    });
  });

  it.each([
    'attributes=__proto__',
    'excludedAttributes=constructor',
    'attributes=name.constructor',
    'sortBy=constructor.prototype',
  ])('%s → 400 invalidPath', async (query) => {
    expect(await attacker.scim.get(`/Users?${query}`)).toMatchObject({
      status: 400,
      body: scimError(400, 'invalidPath'),
    });
  });

  it('a POST with an attribute named after an inherited member → 400 invalidPath, nothing stored', async () => {
    const res = await attacker.scim.post(
      '/Users',
      scimUserBody({ userName: 'proto@example.com', constructor: { prototype: { x: 1 } } }),
    );
    expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidPath') });
    expect((await attacker.scim.get(filterPath('Users', 'userName eq "proto@example.com"'))).body.totalResults).toBe(0);
  });
});

describe('input that used to be a 500', () => {
  it.each([
    ['a NUL in userName', { userName: 'nul\u0000@example.com' }],
    ['a lone surrogate in a name', { name: { givenName: 'lone\ud800' } }],
    ['a NUL in a key', { 'urn:okta:custom:1.0:User': { 'a\u0000b': 1 } }],
  ])('POST with %s → 400 invalidValue', async (_case, overrides) => {
    const res = await attacker.scim.post('/Users', scimUserBody(overrides));
    expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidValue') });
  });

  it('PATCH with a NUL in a value → 400 invalidValue, the user unchanged', async () => {
    const res = await attacker.scim.patch(
      `/Users/${attackerUserId}`,
      scimPatch({ op: 'replace', path: 'displayName', value: 'a\u0000b' }),
    );
    expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidValue') });
    expect((await attacker.scim.get(`/Users/${attackerUserId}`)).body.displayName).toBeUndefined();
  });

  it('a NUL in the query string → 400; an encoded surrogate decodes to U+FFFD and matches nothing', async () => {
    expect(await attacker.scim.get(`/Users?filter=${encodeURIComponent('userName eq "a')}%00"`)).toMatchObject({
      status: 400,
      body: scimError(400, 'invalidValue'),
    });
    expect(await attacker.scim.get('/Users?attributes=userName%00')).toMatchObject({
      status: 400,
      body: scimError(400, 'invalidValue'),
    });
    expect(await attacker.scim.get('/Users?filter=userName%20eq%20%22%ED%A0%80%22')).toMatchObject({
      status: 200,
      body: { totalResults: 0 },
    });
  });

  it('a malformed percent-encoding in the path → 400, with or without a token', async () => {
    expect(await attacker.scim.get('/Users/%E0%A4%A')).toMatchObject({
      status: 400,
      body: scimError(400, 'invalidSyntax'),
    });
    const anonymous = await fetch(`${attacker.scim.base}/Users/%E0%A4%A`);
    expect(anonymous.status).toBe(400);
    const alias = await fetch(`${t.url}/org/%E0%A4%A/scim/v2/Users`, {
      headers: { authorization: `Bearer ${attacker.token}` },
    });
    expect(alias.status).toBe(400);
  });

  it('work grows with operations × values: at most 100 operations and 1,000 values per attribute', async () => {
    const emails = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `e${i}@example.com`, type: 'work' }));
    const tooManyOps = Array.from({ length: 101 }, () => ({ op: 'replace', path: 'title', value: 'x' }));
    for (const res of [
      await attacker.scim.post('/Users', scimUserBody({ emails: emails(1_001) })),
      await attacker.scim.patch(`/Users/${attackerUserId}`, scimPatch(...tooManyOps)),
      await attacker.scim.patch(
        `/Users/${attackerUserId}`,
        scimPatch({ op: 'add', path: 'emails', value: emails(1_001) }),
      ),
    ]) {
      expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidValue') });
    }
    // Group members are not multi-valued attributes of this kind: they are set operations in SQL.
    const member = { value: attackerUserId };
    const group = await attacker.scim.post('/Groups', {
      ...scimGroupBody(),
      members: Array.from({ length: 1_500 }, () => member),
    });
    expect(group.status).toBe(201);
    expect(await attacker.scim.post('/Users', scimUserBody({ emails: emails(1_000) }))).toMatchObject({ status: 201 });
  });

  it.each(['gzip', 'deflate', 'br'])(
    'a body that is not what Content-Encoding %s says → 400, not a 500',
    async (encoding) => {
      const res = await attacker.scim.request('POST', '/Users', JSON.stringify(scimUserBody()), {
        'content-encoding': encoding,
      });
      expect(res).toMatchObject({ status: 400, body: { schemas: [ERROR], status: '400' } });
    },
  );

  it.each(['1e400', '-1e400'])('a filter number out of range (x.y gt %s) → 400 invalidFilter', async (number) => {
    expect(await attacker.scim.get(filterPath('Users', `x.y gt ${number}`))).toMatchObject({
      status: 400,
      body: scimError(400, 'invalidFilter'),
    });
  });

  it.each([40, 2_000, 100_000])('JSON nested %i levels → 400 invalidSyntax', async (depth) => {
    const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const raw = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"deep${depth}@example.com","urn:okta:custom:1.0:User":${deep}}`;
    const res = await attacker.scim.request('POST', '/Users', raw);
    expect(res).toMatchObject({ status: 400, body: scimError(400, 'invalidSyntax') });
  });

  it('a user with 25 levels of nesting in an unknown attribute can be created and patched again', async () => {
    const deep = JSON.parse(`${'{"a":'.repeat(25)}1${'}'.repeat(25)}`) as unknown;
    const created = await attacker.scim.post('/Users', scimUserBody({ 'urn:okta:custom:1.0:User': { deep } }));
    expect(created.status).toBe(201);
    const patched = await attacker.scim.patch(
      `/Users/${created.body.id}`,
      scimPatch({ op: 'replace', path: 'title', value: 'Deep' }),
    );
    expect(patched).toMatchObject({ status: 200, body: { title: 'Deep' } });
  });
});

describe('filter values are bound parameters', () => {
  it('no SQL statement carries a value from a filter', async () => {
    const marker = `marker-${Date.now()}`;
    const before = t.queries.length;
    const res = await attacker.scim.get(
      filterPath('Users', `userName eq "${marker}" or title co "${marker}'--" or x.y gt 12345.678`),
    );
    expect(res.status).toBe(200);
    const statements = t.queries.slice(before);
    expect(statements.some((sql) => /directory_users/.test(sql))).toBe(true);
    expect(statements.filter((sql) => sql.includes(marker) || sql.includes('12345.678'))).toEqual([]);
  });
});

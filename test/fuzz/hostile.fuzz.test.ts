import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { graphql } from '../fixtures/graphql.js';
import { prototypeSnapshot } from '../fixtures/prototypes.js';
import {
  createTestDirectory,
  ENTERPRISE,
  ERROR,
  GROUP_SCHEMA,
  PATCH_OP,
  scimUserBody,
  USER_SCHEMA,
  type TestDirectory,
} from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// Property-based fuzzing of the real server: generated SCIM requests (paths, filters, PATCH bodies, deep and
// odd JSON, unicode edge cases, percent-encodings) and GraphQL operations, sent by a tenant with a sandbox
// directory token and a sandbox API key. Every answer must be a well-formed 2xx–4xx, the server must stay
// ready, Object.prototype must stay as it was, and a production tenant's data must neither leak nor change.
//
// Replay a failure with FUZZ_SEED=<seed> (printed below); FUZZ_RUNS raises the number of requests.

const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2_147_483_647);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 500);
process.stdout.write(`fuzz: seed ${SEED}, ${RUNS} runs per property (replay with FUZZ_SEED=${SEED})\n`);

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const VICTIM_USER = 'victim-fuzz-marker@example.com';
const VICTIM_ORG = 'VictimFuzzOrganization';
const VICTIM_GROUP = 'VictimFuzzGroup';
const SCIM_TYPES = new Set([
  'invalidFilter',
  'tooMany',
  'uniqueness',
  'mutability',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'invalidVers',
  'sensitive',
]);
const GRAPHQL_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'CONFLICT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  'CURSOR_EXPIRED',
  'QUERY_TOO_COMPLEX',
]);

let t: TestApp;
let attacker: TestDirectory;
let victim: TestDirectory;
const ids: string[] = [];
let victimBefore: string;

function prototypeShape(): string {
  return JSON.stringify(prototypeSnapshot());
}
const prototypeBefore = prototypeShape();

async function victimState(): Promise<string> {
  const users = await victim.scim.get('/Users?sortBy=userName');
  const groups = await victim.scim.get('/Groups');
  const org = await graphql(
    t.url,
    t.productionKey,
    'query($id: ID!) { organization(id: $id) { id name domain metadata directories { edges { node { id state provider tokenPrefix } } } } }',
    { id: victim.organizationId },
  );
  return JSON.stringify([users.status, users.body.Resources, groups.body.Resources, org.data]);
}

beforeAll(async () => {
  t = await startTestApp();
  attacker = await createTestDirectory(t.url, t.sandboxKey);
  victim = await createTestDirectory(t.url, t.productionKey, 'OKTA');
  await graphql(
    t.url,
    t.productionKey,
    'mutation($id: ID!) { updateOrganization(id: $id, input: { name: "VictimFuzzOrganization" }) { id } }',
    { id: victim.organizationId },
  );
  const attackerUser = (
    await attacker.scim.post('/Users', scimUserBody({ [ENTERPRISE]: { department: 'Ops', manager: { value: 'm-1' } } }))
  ).body;
  const attackerGroup = (
    await attacker.scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Fuzz',
      members: [{ value: attackerUser.id }],
    })
  ).body;
  const victimUser = (await victim.scim.post('/Users', scimUserBody({ userName: VICTIM_USER }))).body;
  const victimGroup = (
    await victim.scim.post('/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: VICTIM_GROUP,
      members: [{ value: victimUser.id }],
    })
  ).body;
  ids.push(
    attackerUser.id,
    attackerGroup.id,
    victimUser.id,
    victimGroup.id,
    victim.directoryId,
    victim.organizationId,
    attacker.directoryId,
    attacker.organizationId,
  );
  victimBefore = await victimState();
}, 60_000);

/** Status codes seen, printed at the end so a run shows it exercised more than the error paths. */
const statuses = new Map<string, number>();
function tally(kind: string, status: number): void {
  const key = `${kind} ${status}`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
}

afterAll(async () => {
  process.stdout.write(`fuzz: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
  await t.close();
});

// ---------------------------------------------------------------------------------------------------------
// Generators

const edgeText = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udfff',
  'a\ud83dz',
  '\uffff',
  '\u202e',
  '😀',
  '\u0085',
  '\\',
  '"',
  "'",
  '%',
  '%00',
  '%zz',
  '%E0%A4%A',
  '${x}',
  '--',
  ';',
  '\n',
);
const name = fc.oneof(
  fc.constantFrom(
    'userName',
    'name',
    'givenName',
    'familyName',
    'emails',
    'value',
    'type',
    'primary',
    'active',
    'displayName',
    'members',
    'groups',
    'externalId',
    'meta',
    'id',
    'title',
    'x',
    'manager',
    'department',
  ),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'call',
    'map',
    'sub',
    'valueOf',
    '__defineGetter__',
    'length',
  ),
  fc.string({ maxLength: 12 }),
);
const urn = fc.constantFrom(
  USER_SCHEMA,
  ENTERPRISE,
  GROUP_SCHEMA,
  'urn:okta:custom:1.0:User',
  'urn:x:constructor',
  'urn:',
  'urn:a:b:__proto__',
);
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  { weight: 3, arbitrary: edgeText },
  fc.tuple(fc.string({ maxLength: 6 }), edgeText).map(([a, b]) => `${a}${b}`),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const attrPath = fc.oneof(
  name,
  fc.tuple(name, name).map(([a, b]) => `${a}.${b}`),
  fc.tuple(name, name, name).map(([a, b, c]) => `${a}.${b}.${c}`),
  fc.tuple(urn, name).map(([u, a]) => `${u}:${a}`),
  fc.tuple(urn, name, name).map(([u, a, b]) => `${u}:${a}.${b}`),
);
const compValue = fc.oneof(
  text.map((s) => JSON.stringify(s)),
  fc.constantFrom(
    'true',
    'False',
    'null',
    '1e400',
    '-1e400',
    '0',
    '12.5',
    '"2024-01-01T00:00:00Z"',
    '"not a date"',
    '1e-400',
    '99999999999999999999999',
  ),
);
const comparison = fc
  .tuple(attrPath, fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'xx'), compValue)
  .map(([a, op, v]) => `${a} ${op} ${v}`);
const goodComparison = fc
  .tuple(
    fc.constantFrom(
      'userName',
      'displayName',
      'externalId',
      'emails.value',
      'name.givenName',
      'active',
      'meta.lastModified',
      'members.value',
      'title',
    ),
    fc.constantFrom('eq', 'co', 'sw', 'pr'),
    text,
  )
  .map(([a, op, v]) => (op === 'pr' ? `${a} pr` : `${a} ${op} ${JSON.stringify(v)}`));
const filter: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: goodComparison },
    comparison,
    attrPath.map((a) => `${a} pr`),
    fc.tuple(tie('f'), fc.constantFrom('and', 'or'), tie('f')).map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('f').map((f) => `not (${f})`),
    fc.tuple(name, tie('f')).map(([a, f]) => `${a}[${f}]`),
    text,
  ),
})).f;
const goodPath = fc.constantFrom(
  'name.givenName',
  'title',
  'active',
  'displayName',
  'emails[type eq "work"].value',
  'members',
  `${ENTERPRISE}:department`,
  `${ENTERPRISE}:manager`,
  'externalId',
  'urn:okta:custom:1.0:User:x',
);
const patchPath = fc.oneof(
  { weight: 3, arbitrary: goodPath },
  attrPath,
  fc
    .tuple(name, filter, fc.option(name, { nil: undefined }))
    .map(([a, f, s]) => `${a}[${f}]${s === undefined ? '' : `.${s}`}`),
);
// ids are filled in beforeAll, after the generators are built: draw them lazily through an index.
const anyId = fc.nat().map((i) => ids[i % Math.max(ids.length, 1)] ?? 'x');
const json = fc.jsonValue({ maxDepth: 4 });
const keyedObject = fc.dictionary(fc.oneof(attrPath, text), json, { maxKeys: 4 });

const patchValue = fc.oneof(json, keyedObject, fc.array(fc.record({ value: fc.oneof(anyId, text) }), { maxLength: 3 }));
const operation = fc.record(
  {
    op: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'REPLACE') },
      fc.constantFrom('move', '', 'ADD '),
    ),
    path: patchPath,
    value: patchValue,
  },
  { requiredKeys: ['op'] },
);

/** JSON text no serializer would write: deep nesting, huge numbers, duplicate and `__proto__` keys. */
const oddJson = fc.oneof(
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `${'['.repeat(depth)}1${']'.repeat(depth)}`),
  fc
    .integer({ min: 1, max: 3_000 })
    .map(
      (depth) =>
        `{"schemas":["${USER_SCHEMA}"],"userName":"deep@example.com","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
    ),
  fc.constantFrom(
    '{"__proto__":{"polluted":1},"userName":"p@example.com"}',
    '{"constructor":{"prototype":{"polluted":1}},"userName":"c@example.com"}',
    '{"userName":"a@example.com","userName":"b@example.com"}',
    '{"userName":1e999}',
    '{"userName":"\\u0000"}',
    '{"userName":"\\ud800"}',
    `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"__proto__.polluted","value":1}]}`,
    '',
    'null',
    '"string"',
    '{"Operations":"x"}',
  ),
  text,
);

const resource = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('Users', 'Groups') },
  fc.constantFrom('ServiceProviderConfig', 'Schemas', 'ResourceTypes', 'Nope', ''),
);
const idSegment = fc.oneof(
  fc.string({ maxLength: 10 }).map(encodeURIComponent),
  fc.constantFrom('%E0%A4%A', '%00', '%', '..', '%2e%2e', '%ED%A0%80', 'ab%zz'),
);
const query = fc.dictionary(
  fc.constantFrom('filter', 'attributes', 'excludedAttributes', 'sortBy', 'sortOrder', 'startIndex', 'count', 'x'),
  fc.oneof(filter, attrPath, text, fc.constantFrom('-1', '0', '99999999999999999999', '1.5', 'NaN')),
  { maxKeys: 3 },
);

interface ScimCall {
  readonly method: string;
  readonly path: string;
  readonly body: string | undefined;
  readonly contentType: string;
}

const groupMembers = fc.array(anyId, { maxLength: 3 }).map((ids) => ids.map((value) => ({ value })));
const groupBody = fc
  .tuple(keyedObject, text, groupMembers)
  .map(([extra, displayName, members]) => JSON.stringify({ schemas: [GROUP_SCHEMA], displayName, members, ...extra }));

const bulkRef = fc.constantFrom('bulkId:a', 'bulkId:b', 'bulkId:nope', 'bulkId:', 'bulkId:a/..');
const bulkUser = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.oneof(anyId, bulkRef))
  .map(([userName, manager]) => ({
    schemas: [USER_SCHEMA],
    userName: `fuzz-bulk-${userName}`,
    [ENTERPRISE]: { manager: { value: manager } },
  }));
/** One operation of a BulkRequest, referring to ids (the victim's too) and bulkIds; malformed in parts. */
const oddBulkOperation = fc.record(
  {
    method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE') }, text),
    bulkId: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('a', 'b') }, text),
    path: fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .tuple(fc.constantFrom('Users', 'Groups'), fc.option(fc.oneof(anyId, bulkRef), { nil: undefined, freq: 2 }))
          .map(([r, id]) => `/${r}${id === undefined ? '' : `/${id}`}`),
      },
      fc.constantFrom('/Bulk', '/ServiceProviderConfig', '/Users/../Groups', 'https://evil.example/Users', ''),
      text,
    ),
    data: fc.oneof(
      fc.tuple(keyedObject, text, fc.oneof(anyId, bulkRef)).map(([extra, userName, manager]) => ({
        schemas: [USER_SCHEMA],
        userName: `fuzz-${userName}`,
        [ENTERPRISE]: { manager: { value: manager } },
        ...extra,
      })),
      fc.tuple(text, fc.array(fc.oneof(anyId, bulkRef), { maxLength: 3 })).map(([displayName, members]) => ({
        schemas: [GROUP_SCHEMA],
        displayName,
        members: members.map((value) => ({ value })),
      })),
      fc.array(operation, { minLength: 1, maxLength: 2 }).map((Operations) => ({ schemas: [PATCH_OP], Operations })),
      json,
    ),
  },
  { requiredKeys: ['method', 'path', 'data'] },
);
const bulkOperation = fc.oneof(
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant('/Users'),
    bulkId: fc.constantFrom('a', 'b'),
    data: bulkUser,
  }),
  fc.record({
    method: fc.constantFrom('PATCH', 'DELETE'),
    path: fc.tuple(fc.constantFrom('Users', 'Groups'), fc.oneof(anyId, bulkRef)).map(([r, id]) => `/${r}/${id}`),
    data: fc
      .array(operation, { minLength: 1, maxLength: 2 })
      .map((Operations) => ({ schemas: [PATCH_OP], Operations })),
  }),
  { weight: 2, arbitrary: oddBulkOperation },
);

const scimCall: fc.Arbitrary<ScimCall> = fc.oneof(
  fc.record({
    method: fc.constantFrom('GET', 'DELETE'),
    path: fc
      .tuple(
        resource,
        fc.option(fc.oneof({ weight: 3, arbitrary: anyId }, idSegment), { nil: undefined, freq: 2 }),
        query,
      )
      .map(([r, id, q]) => `/${r}${id === undefined ? '' : `/${id}`}?${new URLSearchParams(q).toString()}`),
    body: fc.constant(undefined),
    contentType: fc.constant('application/scim+json'),
  }),
  fc.record({
    method: fc.constantFrom('POST', 'PUT'),
    path: fc
      .tuple(fc.constantFrom('Users', 'Groups'), fc.option(anyId, { nil: undefined }))
      .map(([r, id]) => `/${r}${id === undefined ? '' : `/${id}`}`),
    body: fc.oneof(
      fc
        .tuple(keyedObject, text)
        .map(([extra, userName]) => JSON.stringify({ schemas: [USER_SCHEMA], userName: `fuzz-${userName}`, ...extra })),
      groupBody,
      oddJson,
    ),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/scim+json') },
      fc.constantFrom('application/json', 'text/plain'),
    ),
  }),
  fc.record({
    method: fc.constant('PATCH'),
    path: fc.tuple(fc.constantFrom('Users', 'Groups'), anyId).map(([r, id]) => `/${r}/${id}`),
    body: fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .oneof(
            fc.array(operation, { minLength: 1, maxLength: 2 }),
            fc.array(operation, { minLength: 1, maxLength: 4 }),
          )
          .map((Operations) => JSON.stringify({ schemas: [PATCH_OP], Operations })),
      },
      oddJson,
    ),
    contentType: fc.constant('application/scim+json'),
  }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant('/Bulk'),
    body: fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .tuple(
            fc.array(bulkOperation, { maxLength: 4 }),
            fc.option(fc.oneof(fc.integer({ min: -1, max: 3 }), text), { nil: undefined }),
          )
          .map(([Operations, failOnErrors]) =>
            JSON.stringify({
              schemas: [BULK_REQUEST],
              Operations,
              ...(failOnErrors === undefined ? {} : { failOnErrors }),
            }),
          ),
      },
      oddJson,
    ),
    contentType: fc.constant('application/scim+json'),
  }),
);

// ---------------------------------------------------------------------------------------------------------
// Checks

function leaksVictim(body: string): boolean {
  return body.includes(VICTIM_USER) || body.includes(VICTIM_ORG) || body.includes(VICTIM_GROUP);
}

async function expectReady(): Promise<void> {
  const ready = await fetch(`${t.url}/readyz`);
  expect(ready.status).toBe(200);
}

async function checkScim(call: ScimCall): Promise<void> {
  const response = await fetch(`${attacker.scim.base}${call.path}`, {
    method: call.method,
    headers: {
      authorization: `Bearer ${attacker.token}`,
      ...(call.body === undefined ? {} : { 'content-type': call.contentType }),
    },
    ...(call.body === undefined ? {} : { body: call.body }),
  });
  const body = await response.text();
  tally(`SCIM ${call.method}`, response.status);
  const context = `${call.method} ${call.path} ${call.body?.slice(0, 300) ?? ''} → ${response.status} ${body.slice(0, 300)}`;
  expect({ context, serverError: response.status >= 500 }).toEqual({ context, serverError: false });
  expect({ context, leak: leaksVictim(body) }).toEqual({ context, leak: false });
  if (response.status >= 400) {
    const error = JSON.parse(body) as Record<string, unknown>;
    expect({ context, schemas: error['schemas'], status: error['status'], detail: typeof error['detail'] }).toEqual({
      context,
      schemas: [ERROR],
      status: String(response.status),
      detail: 'string',
    });
    const scimType = error['scimType'];
    if (scimType !== undefined)
      expect({ context, known: typeof scimType === 'string' && SCIM_TYPES.has(scimType) }).toEqual({
        context,
        known: true,
      });
  }
  if (call.path === '/Bulk' && response.status === 200) {
    // Each operation's own status: a Bulk answers 200 even when an operation failed.
    const operations = (JSON.parse(body) as { Operations: { status: string }[] }).Operations;
    for (const operation of operations) tally('SCIM Bulk operation', Number(operation.status));
    const serverError = operations.some((operation) => Number(operation.status) >= 500);
    expect({ context, serverError }).toEqual({ context, serverError: false });
  }
  expect({ context, prototype: prototypeShape() }).toEqual({ context, prototype: prototypeBefore });
}

const OPERATIONS: readonly string[] = [
  'query($id: ID!) { directory(id: $id) { id name state scimBaseUrl organization { name } } }',
  'query($id: ID!) { organization(id: $id) { id name domain metadata } }',
  'query($id: ID!) { directoryUser(id: $id) { id userName email raw groups { edges { node { displayName } } } } }',
  'query($id: ID!) { directoryGroup(id: $id) { id displayName members { edges { node { userName } } } } }',
  'query($id: ID!, $first: Int, $after: String, $s: String) { directoryUsers(directoryId: $id, first: $first, after: $after, filter: { search: $s, email: $s, userName: $s }) { totalCount edges { node { userName } } } }',
  'query($id: ID!, $first: Int, $s: String) { directoryGroups(directoryId: $id, first: $first, filter: { displayName: $s, search: $s }) { edges { node { displayName } } } }',
  'query($first: Int, $after: String, $s: String) { organizations(first: $first, after: $after, filter: { name: $s, domain: $s }) { edges { node { name } } } }',
  'query($id: ID, $first: Int, $after: String, $types: [String!]) { events(first: $first, after: $after, filter: { directoryId: $id, types: $types }) { edges { node { type data } } } }',
  'mutation($id: ID!, $s: String, $m: JSONObject) { updateOrganization(id: $id, input: { name: $s, domain: $s, metadata: $m }) { id name } }',
  'mutation($s: String!, $m: JSONObject) { createOrganization(input: { name: $s, domain: $s, metadata: $m }) { id name } }',
  'mutation($id: ID!) { deleteOrganization(id: $id) }',
  'mutation($id: ID!) { deleteDirectory(id: $id) }',
  'mutation($id: ID!) { rotateDirectoryToken(id: $id) { token } }',
  'mutation($s: String!, $types: [String!]) { createWebhook(input: { url: $s, eventTypes: $types }) { webhook { id } } }',
  'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
];

interface GraphQLCall {
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

const graphqlCall: fc.Arbitrary<GraphQLCall> = fc.record({
  query: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...OPERATIONS) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...OPERATIONS), fc.nat(), text)
        .map(([q, at, junk]) => q.slice(0, at % (q.length + 1)) + junk),
    },
    { weight: 1, arbitrary: text.map((s) => `{ organization(id: ${JSON.stringify(s)}) { name } }`) },
  ),
  variables: fc.record({
    id: fc.oneof({ weight: 4, arbitrary: anyId }, text),
    first: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 100 }) },
      fc.integer({ min: -5, max: 200 }),
      fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 1e300),
    ),
    after: fc.option(fc.oneof({ weight: 3, arbitrary: fc.base64String({ maxLength: 40 }) }, text), {
      nil: null,
      freq: 2,
    }),
    s: fc.oneof({ weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 10 }) }, text),
    m: fc.option(fc.oneof(keyedObject, json), { nil: null, freq: 2 }),
    types: fc.option(
      fc.array(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom('dsync.user.created', 'dsync.group.user_added') }, text),
        { maxLength: 3 },
      ),
      { nil: null, freq: 2 },
    ),
  }),
});

async function checkGraphQL(call: GraphQLCall): Promise<void> {
  const response = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.sandboxKey}` },
    body: JSON.stringify({ query: call.query, variables: call.variables }),
  });
  const body = await response.text();
  const parsedForTally = /"errors"/.test(body) ? 'errors' : 'data';
  tally(`GraphQL ${parsedForTally}`, response.status);
  const context = `${call.query.slice(0, 200)} ${JSON.stringify(call.variables).slice(0, 300)} → ${response.status} ${body.slice(0, 300)}`;
  expect({ context, serverError: response.status >= 500 }).toEqual({ context, serverError: false });
  expect({ context, leak: leaksVictim(body) }).toEqual({ context, leak: false });
  const parsed = JSON.parse(body) as { errors?: { message?: unknown; extensions?: { code?: unknown } }[] };
  for (const error of parsed.errors ?? []) {
    const code = String(error.extensions?.code);
    expect({ context, code, known: GRAPHQL_CODES.has(code), message: typeof error.message }).toEqual({
      context,
      code,
      known: true,
      message: 'string',
    });
  }
  expect({ context, prototype: prototypeShape() }).toEqual({ context, prototype: prototypeBefore });
}

// ---------------------------------------------------------------------------------------------------------

describe('fuzzing the real server as a hostile tenant', () => {
  it('SCIM: no 5xx, RFC 7644 errors, no other tenant', async () => {
    await fc.assert(fc.asyncProperty(scimCall, checkScim), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    await expectReady();
    expect(await victimState()).toBe(victimBefore);
  }, 240_000);

  it('GraphQL: no 5xx, extensions.code on every error, no other tenant', async () => {
    await fc.assert(fc.asyncProperty(graphqlCall, checkGraphQL), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    await expectReady();
    expect(await victimState()).toBe(victimBefore);
  }, 240_000);
});

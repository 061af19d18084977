import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema } from 'graphql';

import { INVITE_ADMIN, tokenOfUrl } from '../fixtures/admins.js';
import { errorCodes, graphql, uniq, type GraphQLResponse } from '../fixtures/graphql.js';
import { startReceiver, type Receiver } from '../fixtures/receiver.js';
import { scimClient, scimUserBody } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { subscribe, wsClient } from '../fixtures/ws.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
let receiver: Receiver;
/** Every secret and token this file was shown: none may appear in the audit log. */
const secrets: string[] = [];
let sandboxActor: { id: string; name: string };

beforeAll(async () => {
  t = await startTestApp();
  receiver = await startReceiver();
  secrets.push(t.sandboxKey, t.productionKey);
  const viewer = await graphql(t.url, t.sandboxKey, '{ viewer { apiKey { id name } } }');
  sandboxActor = viewer.data!['viewer'].apiKey;
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});

const USER_AGENT = 'audit-test/1.0';

/** POSTs one operation with a request id and a user agent of its own; returns the response and the request id. */
async function call(
  query: string,
  variables: Record<string, unknown> = {},
  key: string | null = t.sandboxKey,
): Promise<GraphQLResponse<Record<string, any>> & { requestId: string }> {
  const requestId = `audit-${randomUUID()}`;
  const response = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      'x-request-id': requestId,
      'user-agent': USER_AGENT,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, any> | null; errors?: GraphQLResponse['errors'] };
  return { status: response.status, data: body.data, errors: body.errors, requestId };
}

const ENTRY_FIELDS =
  'id action actorType actorId actorLabel targetType targetId organizationId ip userAgent requestId outcome createdAt';
const AUDIT_LOG = `query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { ${ENTRY_FIELDS} } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

type Entry = Record<string, any>;

async function auditLog(
  filter: Record<string, unknown> = {},
  page: { first?: number; after?: string } = {},
  key = t.sandboxKey,
): Promise<{ totalCount: number; entries: Entry[]; pageInfo: Entry }> {
  const response = await graphql(t.url, key, AUDIT_LOG, { filter, ...page });
  if (!response.data) throw new Error(`auditLog failed: ${JSON.stringify(response.errors)}`);
  const connection = response.data['auditLog'];
  return {
    totalCount: connection.totalCount,
    entries: connection.edges.map((edge: Entry) => edge.node),
    pageInfo: connection.pageInfo,
  };
}

/** The one entry of request `requestId` (read through the API, filtered by its action). */
async function entryOf(action: string, requestId: string): Promise<Entry> {
  const { entries } = await auditLog({ action }, { first: 100 });
  const matching = entries.filter((entry) => entry.requestId === requestId);
  expect(matching).toHaveLength(1);
  return matching[0]!;
}

interface Case {
  /** Runs before the call (e.g. creates what it acts on). */
  readonly before?: () => Promise<void>;
  /** The credential to call with (default the sandbox API key; null: none) and the actor expected. */
  readonly as?: () => {
    key: string | null;
    actor: { actorType: string; actorId: string | null; actorLabel: string | null };
  };
  readonly query: string;
  readonly variables: () => Record<string, unknown>;
  /** Checks the response, keeps what later cases need; returns the expected target id and organization. */
  readonly check: (data: Record<string, any>) => {
    targetType: string | null;
    targetId: string | null;
    organizationId: string | null;
  };
}

const state: {
  org?: string;
  dir?: string;
  token?: string;
  apiKey?: string;
  webhook?: string;
  eventId?: string;
  invitation?: string;
  invitationToken?: string;
  admin?: string;
  adminEmail?: string;
  session?: string;
  pending?: string;
} = {};

/** One successful call per mutation, in an order where each finds what it needs (deletions last). */
const CASES: Record<string, Case> = {
  createOrganization: {
    query: 'mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }',
    variables: () => ({ input: { name: uniq('Audited ') } }),
    check: (data) => {
      state.org = data['createOrganization'].id as string;
      return { targetType: 'Organization', targetId: state.org, organizationId: state.org };
    },
  },
  updateOrganization: {
    query: 'mutation($id: ID!, $input: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $input) { id } }',
    variables: () => ({ id: state.org, input: { name: uniq('Renamed ') } }),
    check: () => ({ targetType: 'Organization', targetId: state.org!, organizationId: state.org! }),
  },
  createDirectory: {
    query: 'mutation($input: CreateDirectoryInput!) { createDirectory(input: $input) { token directory { id } } }',
    variables: () => ({ input: { organizationId: state.org, name: uniq('Dir '), provider: 'OKTA' } }),
    check: (data) => {
      state.dir = data['createDirectory'].directory.id as string;
      state.token = data['createDirectory'].token as string;
      secrets.push(state.token);
      return { targetType: 'Directory', targetId: state.dir, organizationId: state.org! };
    },
  },
  updateDirectory: {
    query:
      'mutation($id: ID!, $input: UpdateDirectoryInput!) { updateDirectory(id: $id, input: $input) { token directory { id } } }',
    variables: () => ({ id: state.dir, input: { provider: 'GENERIC_SCIM' } }),
    check: (data) => {
      expect(data['updateDirectory'].token).toEqual(expect.any(String)); // a provider change issues a token
      secrets.push(data['updateDirectory'].token as string);
      return { targetType: 'Directory', targetId: state.dir!, organizationId: state.org! };
    },
  },
  rotateDirectoryToken: {
    query: 'mutation($id: ID!) { rotateDirectoryToken(id: $id) { token directory { id } } }',
    variables: () => ({ id: state.dir }),
    check: (data) => {
      state.token = data['rotateDirectoryToken'].token as string;
      secrets.push(state.token);
      return { targetType: 'Directory', targetId: state.dir!, organizationId: state.org! };
    },
  },
  createApiKey: {
    query: 'mutation($name: String!) { createApiKey(name: $name) { secret apiKey { id } } }',
    variables: () => ({ name: uniq('audited key ') }),
    check: (data) => {
      state.apiKey = data['createApiKey'].apiKey.id as string;
      secrets.push(data['createApiKey'].secret as string);
      return { targetType: 'ApiKey', targetId: state.apiKey, organizationId: null };
    },
  },
  revokeApiKey: {
    query: 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
    variables: () => ({ id: state.apiKey }),
    check: () => ({ targetType: 'ApiKey', targetId: state.apiKey!, organizationId: null }),
  },
  createWebhook: {
    query: 'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id } } }',
    variables: () => ({ input: { url: receiver.url, organizationId: state.org } }),
    check: (data) => {
      state.webhook = data['createWebhook'].webhook.id as string;
      secrets.push(data['createWebhook'].secret as string);
      return { targetType: 'Webhook', targetId: state.webhook, organizationId: state.org! };
    },
  },
  updateWebhook: {
    query: 'mutation($id: ID!, $input: UpdateWebhookInput!) { updateWebhook(id: $id, input: $input) { id } }',
    variables: () => ({ id: state.webhook, input: { description: 'audited' } }),
    check: () => ({ targetType: 'Webhook', targetId: state.webhook!, organizationId: state.org! }),
  },
  rotateWebhookSecret: {
    query: 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret webhook { id } } }',
    variables: () => ({ id: state.webhook }),
    check: (data) => {
      secrets.push(data['rotateWebhookSecret'].secret as string);
      return { targetType: 'Webhook', targetId: state.webhook!, organizationId: state.org! };
    },
  },
  testWebhook: {
    query: 'mutation($id: ID!) { testWebhook(id: $id) { success } }',
    variables: () => ({ id: state.webhook }),
    check: () => ({ targetType: 'Webhook', targetId: state.webhook!, organizationId: state.org! }),
  },
  redeliverEvent: {
    query: 'mutation($w: ID!, $e: ID!) { redeliverEvent(webhookId: $w, eventId: $e) { eventId } }',
    variables: () => ({ w: state.webhook, e: state.eventId }),
    check: () => ({ targetType: 'Webhook', targetId: state.webhook!, organizationId: state.org! }),
  },
  replayEvents: {
    query: 'mutation($w: ID!, $since: DateTime!) { replayEvents(webhookId: $w, since: $since) }',
    variables: () => ({ w: state.webhook, since: new Date(Date.now() - 60_000).toISOString() }),
    check: () => ({ targetType: 'Webhook', targetId: state.webhook!, organizationId: state.org! }),
  },
  inviteAdmin: {
    query: INVITE_ADMIN,
    variables: () => {
      state.adminEmail = `${uniq('admin-')}@example.com`.toLowerCase();
      return { organizationId: state.org, email: state.adminEmail };
    },
    check: (data) => {
      state.invitation = data['inviteAdmin'].id as string;
      state.invitationToken = tokenOfUrl(data['inviteAdmin'].url as string);
      secrets.push(state.invitationToken);
      return { targetType: 'AdminInvitation', targetId: state.invitation, organizationId: state.org! };
    },
  },
  acceptAdminInvitation: {
    as: () => ({ key: null, actor: { actorType: 'ANONYMOUS', actorId: null, actorLabel: null } }),
    query: 'mutation($t: String!) { acceptAdminInvitation(token: $t) { sessionToken admin { id } } }',
    variables: () => ({ t: state.invitationToken }),
    check: (data) => {
      state.admin = data['acceptAdminInvitation'].admin.id as string;
      state.session = data['acceptAdminInvitation'].sessionToken as string;
      secrets.push(state.session);
      return { targetType: 'Admin', targetId: state.admin, organizationId: state.org! };
    },
  },
  signOut: {
    as: () => ({
      key: state.session!,
      actor: { actorType: 'ADMIN', actorId: state.admin!, actorLabel: state.adminEmail! },
    }),
    query: 'mutation { signOut }',
    variables: () => ({}),
    check: () => ({ targetType: null, targetId: null, organizationId: state.org! }),
  },
  revokeAdmin: {
    query: 'mutation($id: ID!) { revokeAdmin(id: $id) { id } }',
    variables: () => ({ id: state.admin }),
    check: () => ({ targetType: 'Admin', targetId: state.admin!, organizationId: state.org! }),
  },
  cancelInvitation: {
    before: async () => {
      const invited = await call(INVITE_ADMIN, {
        organizationId: state.org,
        email: `${uniq('pending-')}@example.com`.toLowerCase(),
      });
      state.pending = invited.data!['inviteAdmin'].id as string;
      secrets.push(tokenOfUrl(invited.data!['inviteAdmin'].url as string));
    },
    query: 'mutation($id: ID!) { cancelInvitation(id: $id) { id } }',
    variables: () => ({ id: state.pending }),
    check: () => ({ targetType: 'AdminInvitation', targetId: state.pending!, organizationId: state.org! }),
  },
  deleteWebhook: {
    query: 'mutation($id: ID!) { deleteWebhook(id: $id) }',
    variables: () => ({ id: state.webhook }),
    check: () => ({ targetType: 'Webhook', targetId: state.webhook!, organizationId: state.org! }),
  },
  deleteDirectory: {
    query: 'mutation($id: ID!) { deleteDirectory(id: $id) }',
    variables: () => ({ id: state.dir }),
    check: () => ({ targetType: 'Directory', targetId: state.dir!, organizationId: state.org! }),
  },
  deleteOrganization: {
    query: 'mutation($id: ID!) { deleteOrganization(id: $id) }',
    variables: () => ({ id: state.org }),
    check: () => ({ targetType: 'Organization', targetId: state.org!, organizationId: state.org! }),
  },
};

/** A committed event of the audited directory, for redeliverEvent (provisioned over SCIM). */
async function provisionAnEvent(): Promise<void> {
  const scim = scimClient(`${t.url}/scim/v2/${state.dir}`, state.token);
  expect((await scim.post('/Users', scimUserBody())).status).toBe(201);
  state.eventId = await waitUntil(
    async () => {
      const events = await graphql(
        t.url,
        t.sandboxKey,
        'query($d: ID!) { events(filter: { directoryId: $d }) { edges { node { id } } } }',
        {
          d: state.dir,
        },
      );
      return (events.data?.['events'].edges[0]?.node.id as string | undefined) ?? false;
    },
    { what: "the SCIM user's event to be published" },
  );
}

describe('audit log', () => {
  it('records every mutation of schema.graphql once: action, actor, target, organization, origin, outcome', async () => {
    const schema = buildSchema(await readFile('schema.graphql', 'utf8'));
    const mutations = Object.keys(schema.getMutationType()?.getFields() ?? {});
    expect(Object.keys(CASES).sort()).toEqual([...mutations].sort()); // a new mutation needs a case here
    for (const [action, testCase] of Object.entries(CASES)) {
      if (action === 'redeliverEvent') await provisionAnEvent();
      await testCase.before?.();
      const as = testCase.as?.() ?? {
        key: t.sandboxKey,
        actor: { actorType: 'API_KEY', actorId: sandboxActor.id, actorLabel: sandboxActor.name },
      };
      const response = await call(testCase.query, testCase.variables(), as.key);
      expect({ action, errors: response.errors }).toEqual({ action, errors: undefined });
      const expected = testCase.check(response.data!);
      const entry = await entryOf(action, response.requestId);
      expect(entry).toEqual({
        id: expect.any(String),
        action,
        ...as.actor,
        targetType: expected.targetType,
        targetId: expected.targetId,
        organizationId: expected.organizationId,
        ip: '127.0.0.1',
        userAgent: USER_AGENT,
        requestId: response.requestId,
        outcome: 'ok',
        createdAt: expect.any(String),
      });
    }
  });

  it('records a failed mutation with its error code, though its transaction rolled back', async () => {
    const missing = randomUUID();
    const notFound = await call('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: missing });
    expect(errorCodes(notFound)).toEqual(['NOT_FOUND']);
    expect(await entryOf('revokeApiKey', notFound.requestId)).toMatchObject({
      outcome: 'NOT_FOUND',
      targetType: 'ApiKey',
      targetId: missing, // the id the call named; only ever a uuid
      organizationId: null,
    });

    const notAnId = await call('mutation($id: ID!) { deleteOrganization(id: $id) }', { id: 'not an id' });
    expect(errorCodes(notAnId)).toEqual(['NOT_FOUND']);
    expect(await entryOf('deleteOrganization', notAnId.requestId)).toMatchObject({
      outcome: 'NOT_FOUND',
      targetType: 'Organization',
      targetId: null, // arbitrary text a caller sends is never stored
    });

    const badInput = await call('mutation($name: String!) { createApiKey(name: $name) { apiKey { id } } }', {
      name: '  ',
    });
    expect(errorCodes(badInput)).toEqual(['BAD_USER_INPUT']);
    expect(await entryOf('createApiKey', badInput.requestId)).toMatchObject({
      outcome: 'BAD_USER_INPUT',
      targetType: 'ApiKey',
      targetId: null,
    });
  });

  it('records mutations sent over the WebSocket too', async () => {
    const client = wsClient(t.url, t.sandboxKey);
    try {
      const name = uniq('ws org ');
      const created = subscribe<Record<string, any>>(
        client,
        'mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id } }',
        { input: { name } },
      );
      const [data] = await created.take(1);
      const id = data!['createOrganization'].id as string;
      const { entries } = await auditLog({ action: 'createOrganization', organizationId: id });
      expect(entries).toEqual([
        expect.objectContaining({ actorId: sandboxActor.id, targetId: id, ip: '127.0.0.1', outcome: 'ok' }),
      ]);
    } finally {
      await client.dispose();
    }
  });

  it('records a mutation the policy refused, over HTTP and WebSocket, with its code and no target', async () => {
    const org = (await call('mutation { createOrganization(input: { name: "Refused" }) { id } }')).data![
      'createOrganization'
    ].id as string;
    const invited = await call(INVITE_ADMIN, {
      organizationId: org,
      email: `${uniq('refused-')}@example.com`.toLowerCase(),
    });
    const token = tokenOfUrl(invited.data!['inviteAdmin'].url as string);
    const accepted = await call(
      'mutation($t: String!) { acceptAdminInvitation(token: $t) { sessionToken admin { id } } }',
      { t: token },
      null,
    );
    const session = accepted.data!['acceptAdminInvitation'].sessionToken as string;
    const adminId = accepted.data!['acceptAdminInvitation'].admin.id as string;
    secrets.push(token, session);

    const refused = await call('mutation($id: ID!) { deleteOrganization(id: $id) }', { id: org }, session);
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    expect(await entryOf('deleteOrganization', refused.requestId)).toMatchObject({
      actorType: 'ADMIN',
      actorId: adminId,
      organizationId: org,
      targetType: null,
      targetId: null,
      outcome: 'FORBIDDEN',
    });

    const client = wsClient(t.url, session);
    try {
      const overSocket = subscribe(client, 'mutation { createApiKey(name: "sneaky") { secret } }');
      await waitUntil(() => overSocket.errors.length > 0, { what: 'the refusal over the WebSocket' });
    } finally {
      await client.dispose();
    }
    const { entries } = await auditLog({ action: 'createApiKey', actorType: 'ADMIN' });
    expect(entries).toEqual([expect.objectContaining({ actorId: adminId, organizationId: org, outcome: 'FORBIDDEN' })]);

    // Naming another organization's directory files the refused call under the admin's own organization:
    // nothing of it reaches the other organization's log.
    const other = (await call('mutation { createOrganization(input: { name: "Other" }) { id } }')).data![
      'createOrganization'
    ].id as string;
    const otherDirectory = await call(
      'mutation($o: ID!) { createDirectory(input: { organizationId: $o, name: "Theirs", provider: OKTA }) { token directory { id } } }',
      { o: other },
    );
    secrets.push(otherDirectory.data!['createDirectory'].token as string);
    const theirs = otherDirectory.data!['createDirectory'].directory.id as string;
    const probe = await call('mutation($id: ID!) { rotateDirectoryToken(id: $id) { token } }', { id: theirs }, session);
    expect(errorCodes(probe)).toEqual(['NOT_FOUND']);
    expect(await entryOf('rotateDirectoryToken', probe.requestId)).toMatchObject({
      actorId: adminId,
      organizationId: org,
      outcome: 'NOT_FOUND',
    });
    expect((await auditLog({ organizationId: other, actorType: 'ADMIN' })).entries).toEqual([]);
  });

  it('takes the IP from X-Forwarded-For only with TRUST_PROXY=true', async () => {
    const createWith = async (url: string, key: string) => {
      const requestId = `audit-${randomUUID()}`;
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${key}`,
          'x-request-id': requestId,
          'x-forwarded-for': '203.0.113.9',
        },
        body: JSON.stringify({ query: 'mutation { createOrganization(input: { name: "Proxied" }) { id } }' }),
      });
      expect(response.status).toBe(200);
      return requestId;
    };
    expect((await entryOf('createOrganization', await createWith(t.url, t.sandboxKey))).ip).toBe('127.0.0.1');
    const proxied = await startTestApp({ WEBHOOK_WORKERS: '0', TRUST_PROXY: 'true' }, t.database);
    try {
      const requestId = await createWith(proxied.url, t.sandboxKey);
      const { entries } = await auditLog({ action: 'createOrganization' });
      expect(entries.find((entry: any) => entry.requestId === requestId)?.ip).toBe('203.0.113.9');
    } finally {
      await proxied.close();
    }
  });

  it('filters by organization, actor type, action and time, and pages newest first', async () => {
    const org = (await call('mutation { createOrganization(input: { name: "Paged" }) { id } }')).data![
      'createOrganization'
    ].id as string;
    for (let i = 0; i < 4; i++) {
      await call('mutation($id: ID!, $n: String!) { updateOrganization(id: $id, input: { name: $n }) { id } }', {
        id: org,
        n: `Paged ${i}`,
      });
    }
    const all = await auditLog({ organizationId: org });
    expect(all.entries.map((entry) => entry.action)).toEqual([
      'updateOrganization',
      'updateOrganization',
      'updateOrganization',
      'updateOrganization',
      'createOrganization',
    ]);
    const createdAt = all.entries.map((entry) => Date.parse(entry.createdAt));
    expect(createdAt).toEqual([...createdAt].sort((a, b) => b - a));

    const first = await auditLog({ organizationId: org }, { first: 2 });
    expect(first.totalCount).toBe(5);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await auditLog({ organizationId: org }, { first: 2, after: first.pageInfo['endCursor'] });
    const third = await auditLog({ organizationId: org }, { first: 2, after: second.pageInfo['endCursor'] });
    expect(third.pageInfo['hasNextPage']).toBe(false);
    expect([...first.entries, ...second.entries, ...third.entries].map((entry) => entry.id)).toEqual(
      all.entries.map((entry) => entry.id),
    );

    expect((await auditLog({ organizationId: org, action: 'createOrganization' })).entries).toHaveLength(1);
    expect((await auditLog({ organizationId: org, actorType: 'API_KEY' })).totalCount).toBe(5);
    expect((await auditLog({ organizationId: org, actorType: 'ANONYMOUS' })).totalCount).toBe(0);
    // The create an hour back: it is in [.., boundary), the updates (seconds old) in [boundary, ..).
    await t.app.orm.em
      .fork()
      .getConnection()
      .execute(`update audit_log set created_at = created_at - interval '1 hour' where id = ?`, [all.entries[4]!.id]);
    const boundary = new Date(Date.now() - 30 * 60_000).toISOString();
    expect((await auditLog({ organizationId: org, since: boundary })).totalCount).toBe(4);
    expect((await auditLog({ organizationId: org, until: boundary })).entries.map((entry) => entry.action)).toEqual([
      'createOrganization',
    ]);
  });

  it('refuses an action that is no mutation, and bad ids and cursors, with BAD_USER_INPUT', async () => {
    for (const variables of [
      { filter: { action: 'dropTables' } },
      { filter: { action: 'auditLog' } },
      { filter: { organizationId: 'x' } },
      { after: 'not-a-cursor' },
      { first: 101 },
    ]) {
      expect({ variables, codes: errorCodes(await graphql(t.url, t.sandboxKey, AUDIT_LOG, variables)) }).toEqual({
        variables,
        codes: ['BAD_USER_INPUT'],
      });
    }
  });

  it("shows no entry of another environment's calls", async () => {
    const name = uniq('production org ');
    const created = await call(
      'mutation($n: String!) { createOrganization(input: { name: $n }) { id } }',
      { n: name },
      t.productionKey,
    );
    const id = created.data!['createOrganization'].id as string;
    const production = await auditLog({ organizationId: id }, {}, t.productionKey);
    expect(production.entries.map((entry) => entry.requestId)).toEqual([created.requestId]);
    expect((await auditLog({ organizationId: id })).totalCount).toBe(0);
    const sandbox = await auditLog({}, { first: 100 });
    expect(sandbox.entries.filter((entry) => entry.requestId === created.requestId)).toEqual([]);
  });

  it('keeps a successful mutation successful when its entry cannot be written (logged instead)', async () => {
    const db = t.app.orm.em.fork().getConnection();
    await db.execute('alter table audit_log rename to audit_log_away');
    let response: Awaited<ReturnType<typeof call>> | undefined;
    try {
      response = await call('mutation { createOrganization(input: { name: "Unaudited" }) { id } }');
    } finally {
      await db.execute('alter table audit_log_away rename to audit_log');
    }
    expect(response?.errors).toBeUndefined();
    expect(response?.data?.['createOrganization'].id).toEqual(expect.any(String));
    expect(t.logs).toContainEqual(
      expect.objectContaining({ msg: 'audit: the entry could not be written', action: 'createOrganization' }),
    );
  });

  it('never stores a secret or token the calls returned or carried', async () => {
    // Its own calls of every mutation that returns a secret, besides those of the tests above.
    const run = async (action: string, variables: Record<string, unknown>) => {
      const response = await call(CASES[action]!.query, variables);
      expect({ action, errors: response.errors }).toEqual({ action, errors: undefined });
      return response.data![action];
    };
    const org = (await run('createOrganization', { input: { name: uniq('Secretive ') } })).id;
    const created = await run('createDirectory', { input: { organizationId: org, name: 'd', provider: 'OKTA' } });
    const dir = created.directory.id;
    const updated = await run('updateDirectory', { id: dir, input: { provider: 'GENERIC_SCIM' } });
    const rotated = await run('rotateDirectoryToken', { id: dir });
    const key = await run('createApiKey', { name: uniq('secretive key ') });
    const hook = await run('createWebhook', { input: { url: receiver.url, organizationId: org } });
    const hookSecret = await run('rotateWebhookSecret', { id: hook.webhook.id });
    secrets.push(created.token, updated.token, rotated.token, key.secret, hook.secret, hookSecret.secret);
    expect(secrets.every((secret) => typeof secret === 'string' && secret.length >= 20)).toBe(true);

    const rows = await t.app.orm.em
      .fork()
      .getConnection()
      .execute<{ row: string }[]>('select t::text as row from audit_log t');
    const table = rows.map((r) => r.row).join('\n');
    expect(table).toContain(sandboxActor.id); // the table is read: the grep below could find something
    for (const secret of secrets) expect(table.includes(secret)).toBe(false);
  });

  it('purges entries older than AUDIT_RETENTION_DAYS, and keeps younger ones', async () => {
    const old = await call('mutation { createOrganization(input: { name: "Old" }) { id } }');
    const young = await call('mutation { createOrganization(input: { name: "Young" }) { id } }');
    const db = t.app.orm.em.fork().getConnection();
    await db.execute(`update audit_log set created_at = now() - interval '366 days' where request_id = ?`, [
      old.requestId,
    ]);
    expect(await t.app.purgeExpiredAuditEntries()).toBe(1);
    const left = await db.execute<{ request_id: string }[]>(
      'select request_id from audit_log where request_id in (?, ?)',
      [old.requestId, young.requestId],
    );
    expect(left.map((row) => row.request_id)).toEqual([young.requestId]);
  });
});

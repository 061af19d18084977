import 'reflect-metadata';

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildSchema, OperationTypeNode } from 'graphql';
import type { Client } from 'graphql-ws';

import { refusal, ROOT_FIELD_RULES } from '../../src/graphql/policy.js';
import { EnvironmentName } from '../../src/tenancy/environment.entity.js';
import type { Viewer } from '../../src/tenancy/types.js';
import { inviteAdminAs, signedInAdmin } from '../fixtures/admins.js';
import {
  allEvents,
  connectedClient,
  lastEventId,
  PROVISIONING_EVENTS,
  subscribeEvents,
  subscriptionErrors,
  waitFor,
} from '../fixtures/events.js';
import { errorCodes, graphql, type GraphQLResponse } from '../fixtures/graphql.js';
import { eventsPublished } from '../fixtures/published.js';
import { createTestDirectory, scimGroupBody, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// The authorization policy, case by case: every root field of the committed schema.graphql must have a case
// below, in which an admin of organization A calls it against organization B's objects (or calls a vendor-only
// operation) and is refused with NOT_FOUND or FORBIDDEN, and nothing changes.

/** What the cases work with: two organizations, each with a directory; B's has a user, a group and events. */
interface Fixture {
  readonly a: TestDirectory;
  readonly b: TestDirectory;
  /** Admin session token (dsa_…) of an admin of A. */
  readonly adminA: string;
  readonly adminB: { readonly id: string };
  readonly invitationB: { readonly id: string };
  readonly userB: string;
  readonly groupB: string;
  readonly eventB: string;
  readonly webhookId: string;
  readonly apiKeyId: string;
}

type Case = (f: Fixture) => Promise<unknown>;

let t: TestApp;
let f: Fixture;
const clients: Client[] = [];

/** Calls `query` as admin A (or with `token`; `null`: without credentials); expects exactly `code`, no data. */
async function refused(
  code: 'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHENTICATED',
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = f.adminA,
): Promise<GraphQLResponse> {
  const response = await graphql(t.url, token ?? undefined, query, variables);
  expect(errorCodes(response)).toEqual([code]);
  const values = Object.values(response.data ?? {});
  expect(values.every((value) => value === null)).toBe(true);
  return response;
}

const forbidden = (query: string, variables: Record<string, unknown> = {}) => refused('FORBIDDEN', query, variables);
const notFound = (query: string, variables: Record<string, unknown> = {}) => refused('NOT_FOUND', query, variables);

async function adminSocket(): Promise<Client> {
  const client = await connectedClient(t.url, f.adminA);
  clients.push(client);
  return client;
}

/**
 * One case per root field (`Query.x`, `Mutation.x`, `Subscription.x`). A new operation without a case fails
 * the completeness test below.
 */
const CASES: Record<string, Case> = {
  // Organization-scoped reads: B's ids are NOT_FOUND, lists hold A's only.
  'Query.viewer': async ({ a }) => {
    const response = await graphql(t.url, f.adminA, '{ viewer { apiKey { id } admin { id } organization { id } } }');
    expect(response.data?.['viewer']).toEqual({
      apiKey: null,
      admin: { id: expect.any(String) },
      organization: { id: a.organizationId },
    });
  },
  'Query.organizations': async ({ a }) => {
    const response = await graphql(
      t.url,
      f.adminA,
      '{ organizations(first: 100) { totalCount edges { node { id } } } }',
    );
    expect(response.data?.['organizations']).toEqual({ totalCount: 1, edges: [{ node: { id: a.organizationId } }] });
    await notFound('query ($id: ID!) { organization(id: $id) { id } }', { id: f.b.organizationId });
  },
  'Query.organization': ({ b }) =>
    notFound('query ($id: ID!) { organization(id: $id) { id } }', { id: b.organizationId }),
  'Query.directory': ({ b }) => notFound('query ($id: ID!) { directory(id: $id) { id } }', { id: b.directoryId }),
  'Query.directoryUsers': ({ b }) =>
    notFound('query ($id: ID!) { directoryUsers(directoryId: $id) { totalCount } }', { id: b.directoryId }),
  'Query.directoryUser': ({ userB }) => notFound('query ($id: ID!) { directoryUser(id: $id) { id } }', { id: userB }),
  'Query.directoryGroups': ({ b }) =>
    notFound('query ($id: ID!) { directoryGroups(directoryId: $id) { totalCount } }', { id: b.directoryId }),
  'Query.directoryGroup': ({ groupB }) =>
    notFound('query ($id: ID!) { directoryGroup(id: $id) { id } }', { id: groupB }),
  'Query.events': async ({ b, eventB }) => {
    const events =
      'query ($filter: EventFilter, $after: String) { events(filter: $filter, after: $after) { totalCount } }';
    await notFound(events, { filter: { organizationId: b.organizationId } });
    await notFound(events, { filter: { directoryId: b.directoryId } });
    await notFound(events, { after: eventB });
    const own = await graphql(t.url, f.adminA, '{ events(first: 100) { edges { node { organizationId } } } }');
    const organizations = new Set(own.data?.['events'].edges.map((edge: any) => edge.node.organizationId));
    expect([...organizations]).toEqual([f.a.organizationId]);
  },
  'Query.event': ({ eventB }) => notFound('query ($id: ID!) { event(id: $id) { id } }', { id: eventB }),
  'Query.auditLog': async ({ a, b }) => {
    const audit = 'query ($filter: AuditLogFilter) { auditLog(filter: $filter, first: 100) { totalCount } }';
    // B has entries (the vendor set it up), but none reach A's admin, whatever the filter asks for.
    const vendorView = await graphql(t.url, t.sandboxKey, audit, { filter: { organizationId: b.organizationId } });
    expect(vendorView.data?.['auditLog'].totalCount).toBeGreaterThan(0);
    const asked = await graphql(t.url, f.adminA, audit, { filter: { organizationId: b.organizationId } });
    expect(asked.data?.['auditLog']).toEqual({ totalCount: 0 });
    const own = await graphql(t.url, f.adminA, '{ auditLog(first: 100) { edges { node { organizationId } } } }');
    const organizations = new Set(own.data?.['auditLog'].edges.map((edge: any) => edge.node.organizationId));
    expect([...organizations]).toEqual([a.organizationId]);
  },
  'Query.setupGuide': ({ b }) =>
    notFound('query ($id: ID!) { setupGuide(provider: OKTA, directoryId: $id) { title } }', { id: b.directoryId }),
  // Organization-scoped writes: B's ids are NOT_FOUND.
  'Mutation.createDirectory': ({ b }) =>
    notFound('mutation ($input: CreateDirectoryInput!) { createDirectory(input: $input) { token } }', {
      input: { organizationId: b.organizationId, name: 'sneaky', provider: 'OKTA' },
    }),
  'Mutation.updateDirectory': ({ b }) =>
    notFound('mutation ($id: ID!) { updateDirectory(id: $id, input: { name: "sneaky", state: INACTIVE }) { token } }', {
      id: b.directoryId,
    }),
  'Mutation.rotateDirectoryToken': ({ b }) =>
    notFound('mutation ($id: ID!) { rotateDirectoryToken(id: $id) { token } }', { id: b.directoryId }),
  // Vendor-only: FORBIDDEN even for the admin's own organization.
  'Mutation.deleteDirectory': ({ a }) =>
    forbidden('mutation ($id: ID!) { deleteDirectory(id: $id) }', { id: a.directoryId }),
  'Mutation.createOrganization': () => forbidden('mutation { createOrganization(input: { name: "sneaky" }) { id } }'),
  'Mutation.updateOrganization': ({ a }) =>
    forbidden('mutation ($id: ID!) { updateOrganization(id: $id, input: { name: "sneaky" }) { id } }', {
      id: a.organizationId,
    }),
  'Mutation.deleteOrganization': ({ a }) =>
    forbidden('mutation ($id: ID!) { deleteOrganization(id: $id) }', { id: a.organizationId }),
  'Mutation.inviteAdmin': ({ a }) =>
    forbidden('mutation ($id: ID!) { inviteAdmin(organizationId: $id, email: "friend@evil.example") { url } }', {
      id: a.organizationId,
    }),
  'Mutation.revokeAdmin': ({ adminB }) =>
    forbidden('mutation ($id: ID!) { revokeAdmin(id: $id) { id } }', { id: adminB.id }),
  'Mutation.cancelInvitation': ({ invitationB }) =>
    forbidden('mutation ($id: ID!) { cancelInvitation(id: $id) { id } }', { id: invitationB.id }),
  'Query.apiKeys': () => forbidden('{ apiKeys { totalCount } }'),
  'Mutation.createApiKey': () => forbidden('mutation { createApiKey(name: "sneaky") { secret } }'),
  'Mutation.revokeApiKey': ({ apiKeyId }) =>
    forbidden('mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: apiKeyId }),
  'Query.webhooks': () => forbidden('{ webhooks { totalCount } }'),
  'Query.webhook': ({ webhookId }) => forbidden('query ($id: ID!) { webhook(id: $id) { id } }', { id: webhookId }),
  'Mutation.createWebhook': ({ a }) =>
    forbidden('mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }', {
      input: { url: 'http://127.0.0.1:9/steal', organizationId: a.organizationId },
    }),
  'Mutation.updateWebhook': ({ webhookId }) =>
    forbidden('mutation ($id: ID!) { updateWebhook(id: $id, input: { url: "http://127.0.0.1:9/steal" }) { id } }', {
      id: webhookId,
    }),
  'Mutation.rotateWebhookSecret': ({ webhookId }) =>
    forbidden('mutation ($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', { id: webhookId }),
  'Mutation.deleteWebhook': ({ webhookId }) =>
    forbidden('mutation ($id: ID!) { deleteWebhook(id: $id) }', { id: webhookId }),
  'Mutation.testWebhook': ({ webhookId }) =>
    forbidden('mutation ($id: ID!) { testWebhook(id: $id) { success } }', { id: webhookId }),
  'Mutation.redeliverEvent': ({ webhookId, eventB }) =>
    forbidden('mutation ($w: ID!, $e: ID!) { redeliverEvent(webhookId: $w, eventId: $e) { id } }', {
      w: webhookId,
      e: eventB,
    }),
  'Mutation.replayEvents': ({ webhookId }) =>
    forbidden('mutation ($w: ID!) { replayEvents(webhookId: $w, since: "2000-01-01T00:00:00Z") }', {
      w: webhookId,
    }),
  // Public: without credentials, a bad token is UNAUTHENTICATED and creates nothing.
  'Mutation.acceptAdminInvitation': () =>
    refused(
      'UNAUTHENTICATED',
      'mutation { acceptAdminInvitation(token: "dsi_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") { sessionToken } }',
      {},
      null,
    ),
  // Admin sessions only: an API key has no session to end.
  'Mutation.signOut': () => refused('FORBIDDEN', 'mutation { signOut }', {}, t.sandboxKey),
  'Subscription.provisioningEvents': async ({ b, eventB }) => {
    const client = await adminSocket();
    for (const variables of [{ organizationId: b.organizationId }, { directoryId: b.directoryId }, { after: eventB }]) {
      const errors = (await subscriptionErrors(client, PROVISIONING_EVENTS, variables)) as {
        extensions?: { code?: string };
      }[];
      expect(errors.map((error) => error.extensions?.code)).toEqual(['NOT_FOUND']);
    }
  },
};

/** The root fields of the committed schema, as `Type.field`. */
function schemaRootFields(): string[] {
  const schema = buildSchema(readFileSync('schema.graphql', 'utf8'));
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) =>
    type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : [],
  );
}

/** Everything the vendor can see, to compare before and after each case. */
async function snapshot(): Promise<unknown> {
  await eventsPublished(t.url);
  const response = await graphql(
    t.url,
    t.sandboxKey,
    /* GraphQL */ `
      query ($dirB: ID!) {
        organizations(first: 10) {
          edges {
            node {
              id
              name
              domain
              metadata
              updatedAt
              admins {
                id
                name
                revokedAt
              }
              invitations {
                id
                expiresAt
              }
              directories(first: 100) {
                edges {
                  node {
                    id
                    name
                    provider
                    state
                    tokenPrefix
                  }
                }
              }
            }
          }
        }
        apiKeys(first: 100) {
          edges {
            node {
              id
              name
              revokedAt
            }
          }
        }
        webhooks(first: 100) {
          edges {
            node {
              id
              url
              description
              enabled
              eventTypes
              organizationId
              updatedAt
            }
          }
        }
        directoryUsers(directoryId: $dirB) {
          totalCount
        }
        directoryGroups(directoryId: $dirB) {
          totalCount
        }
        events(first: 0) {
          totalCount
        }
      }
    `,
    { dirB: f.b.directoryId },
  );
  expect(response.errors).toBeUndefined();
  return response.data;
}

beforeAll(async () => {
  t = await startTestApp({ WEBHOOK_WORKERS: '0' });
  const [a, b] = [await createTestDirectory(t.url, t.sandboxKey), await createTestDirectory(t.url, t.sandboxKey)];
  const user = await b.scim.post('/Users', scimUserBody());
  const group = await b.scim.post('/Groups', scimGroupBody());
  await a.scim.post('/Users', scimUserBody());
  const [eventB] = await allEvents(t.url, t.sandboxKey, { organizationId: b.organizationId });
  const webhook = await graphql(
    t.url,
    t.sandboxKey,
    'mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }',
    { input: { url: 'http://127.0.0.1:9/hook', eventTypes: ['dsync.deactivated'] } },
  );
  const apiKeys = await graphql(t.url, t.sandboxKey, '{ viewer { apiKey { id } } }');
  const adminA = await signedInAdmin(t.url, t.sandboxKey, a.organizationId);
  const adminB = await signedInAdmin(t.url, t.sandboxKey, b.organizationId);
  const invitationB = await inviteAdminAs(t.url, t.sandboxKey, b.organizationId);
  f = {
    a,
    b,
    adminA: adminA.token,
    adminB: { id: adminB.adminId },
    invitationB,
    userB: user.body.id,
    groupB: group.body.id,
    eventB: eventB?.id ?? '',
    webhookId: webhook.data?.['createWebhook'].webhook.id,
    apiKeyId: apiKeys.data?.['viewer'].apiKey.id,
  };
  expect(Object.values(f).every(Boolean)).toBe(true);
});
afterAll(async () => {
  await Promise.all(clients.map(async (client) => client.dispose()));
  await t.close();
});

describe('the authorization policy', () => {
  it('has a case here and a rule in policy.ts for every root field of schema.graphql, and nothing else', () => {
    const fields = schemaRootFields().sort();
    expect(Object.keys(CASES).sort()).toEqual(fields);
    const ruled = Object.entries({
      Query: ROOT_FIELD_RULES[OperationTypeNode.QUERY],
      Mutation: ROOT_FIELD_RULES[OperationTypeNode.MUTATION],
      Subscription: ROOT_FIELD_RULES[OperationTypeNode.SUBSCRIPTION],
    }).flatMap(([type, rules]) => Object.keys(rules).map((field) => `${type}.${field}`));
    expect(ruled.sort()).toEqual(fields);
  });

  it.each(schemaRootFields().map((field) => [field]))(
    '%s: an admin of another organization is refused (NOT_FOUND or FORBIDDEN) and nothing changes',
    async (field) => {
      const run = CASES[field];
      if (!run) throw new Error(`no case for ${field}: add one to CASES`);
      const before = await snapshot();
      await run(f);
      expect(await snapshot()).toEqual(before);
    },
  );

  it('refuses a root field missing from the table to everybody (fail closed)', () => {
    const vendor: Viewer = {
      kind: 'apiKey',
      environmentId: 'e',
      environmentName: EnvironmentName.Sandbox,
      apiKeyId: 'k',
      apiKeyName: 'k',
    };
    expect(refusal(vendor, OperationTypeNode.QUERY, 'notInTheTable')?.extensions['code']).toBe('FORBIDDEN');
    expect(refusal(vendor, OperationTypeNode.QUERY, 'apiKeys')).toBeUndefined();
  });

  it('refuses a whole operation when one of its fields is refused: nothing of it runs', async () => {
    const before = await snapshot();
    await forbidden(
      'mutation ($id: ID!) { rotateDirectoryToken(id: $id) { token } createApiKey(name: "sneaky") { secret } }',
      { id: f.a.directoryId },
    );
    // Root fields inside fragments count too.
    await forbidden('{ ...Root } fragment Root on Query { viewer { admin { id } } apiKeys { totalCount } }');
    await forbidden('{ ... on Query { webhooks { totalCount } } }');
    await refused('UNAUTHENTICATED', '{ ...Root } fragment Root on Query { organizations { totalCount } }', {}, null);
    expect(await snapshot()).toEqual(before);
  });
});

describe('an admin in their own organization', () => {
  it('manages its directories and reads its users, groups and events', async () => {
    const created = await graphql(
      t.url,
      f.adminA,
      'mutation ($input: CreateDirectoryInput!) { createDirectory(input: $input) { token directory { id organization { id } } } }',
      { input: { organizationId: f.a.organizationId, name: 'Admin-made', provider: 'ENTRA_ID' } },
    );
    expect(created.data?.['createDirectory']).toMatchObject({
      token: expect.stringMatching(/^dst_/),
      directory: { organization: { id: f.a.organizationId } },
    });
    const createdId: string = created.data?.['createDirectory'].directory.id;
    const rotated = await graphql(t.url, f.adminA, 'mutation ($id: ID!) { rotateDirectoryToken(id: $id) { token } }', {
      id: createdId,
    });
    expect(rotated.data?.['rotateDirectoryToken'].token).toMatch(/^dst_/);
    const updated = await graphql(
      t.url,
      f.adminA,
      'mutation ($id: ID!) { updateDirectory(id: $id, input: { name: "Renamed" }) { directory { name } } }',
      { id: createdId },
    );
    expect(updated.data?.['updateDirectory']).toEqual({ directory: { name: 'Renamed' } });
    const users = await graphql(
      t.url,
      f.adminA,
      'query ($id: ID!) { directoryUsers(directoryId: $id) { totalCount } }',
      {
        id: f.a.directoryId,
      },
    );
    expect(users.data?.['directoryUsers']).toEqual({ totalCount: 1 });
    const organization = await graphql(
      t.url,
      f.adminA,
      'query ($id: ID!) { organization(id: $id) { admins { id } directories { totalCount } } }',
      { id: f.a.organizationId },
    );
    expect(organization.data?.['organization'].directories.totalCount).toBe(2);
    // Pending invitations are the vendor's: an admin is refused them.
    await forbidden('query ($id: ID!) { organization(id: $id) { invitations { id } } }', { id: f.a.organizationId });
  });

  it("does not read the vendor's records: organization metadata, nor where the vendor's calls came from", async () => {
    const updated = await graphql(
      t.url,
      t.sandboxKey,
      'mutation ($id: ID!) { updateOrganization(id: $id, input: { metadata: { plan: "gold", note: "internal" } }) { id } }',
      { id: f.a.organizationId },
    );
    expect(updated.errors).toBeUndefined();
    const read = 'query ($id: ID!) { organization(id: $id) { metadata } }';
    const asVendor = await graphql(t.url, t.sandboxKey, read, { id: f.a.organizationId });
    expect(asVendor.data?.['organization'].metadata).toEqual({ plan: 'gold', note: 'internal' });
    const asAdmin = await graphql(t.url, f.adminA, read, { id: f.a.organizationId });
    expect(asAdmin.data?.['organization'].metadata).toEqual({});

    const entries = await graphql(
      t.url,
      f.adminA,
      '{ auditLog(first: 100, filter: { actorType: API_KEY }) { edges { node { action ip userAgent } } } }',
    );
    const nodes = entries.data?.['auditLog'].edges.map((edge: any) => edge.node) ?? [];
    expect(nodes).toContainEqual({ action: 'updateOrganization', ip: null, userAgent: null });
    expect(nodes.every((node: any) => node.ip === null && node.userAgent === null)).toBe(true);
  });

  it("receives only their organization's live events over provisioningEvents", async () => {
    const client = await adminSocket();
    // Resuming after A's newest event: everything later arrives, however long subscribing takes.
    const subscription = subscribeEvents(client, { after: await lastEventId(t.url, t.sandboxKey, f.a.directoryId) });
    await f.b.scim.post('/Users', scimUserBody());
    await f.a.scim.post('/Users', scimUserBody());
    const [first] = await waitFor(subscription.received, (all) => all.length >= 1, "admin A's first live event");
    expect(first?.provisioningEvents.organizationId).toBe(f.a.organizationId);
    expect(subscription.received.every((event) => event.provisioningEvents.organizationId === f.a.organizationId)).toBe(
      true,
    );
  });
});

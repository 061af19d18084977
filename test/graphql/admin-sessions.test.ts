import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Client } from 'graphql-ws';

import { acceptInvitation, ADMIN_VIEWER, inviteAdminAs, signedInAdmin, type AdminSession } from '../fixtures/admins.js';
import { createDeferred } from '../fixtures/deferred.js';
import { connectedClient, lastEventId, subscribeEvents } from '../fixtures/events.js';
import {
  createDirectoryAs,
  createOrganizationAs,
  errorCodes,
  graphql,
  type GraphQLResponse,
} from '../fixtures/graphql.js';
import { scimClient, scimUserBody } from '../fixtures/scim.js';
import { withDeadline } from '../fixtures/wait.js';
import { wsClient } from '../fixtures/ws.js';
import { startTestApp, testClock, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

// Admin invitations and sessions end to end, on two app instances over one database (as two processes would
// be) that share a clock the tests move forward.

const HOUR = 3_600_000;
const clock = testClock();
let database: TestDatabase;
let t: TestApp;
let other: TestApp;
let organizationId: string;
const clients: Client[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  t = await startTestApp({}, database, { clock });
  other = await startTestApp({}, database, { clock });
  organizationId = (await createOrganizationAs(t.url, t.sandboxKey)).id;
});
afterAll(async () => {
  await Promise.all(clients.map(async (client) => client.dispose()));
  await other.close();
  await t.close();
  await database.drop();
});

/** The UNAUTHENTICATED error a response carries, as `{ code, message }`. */
function refusal(response: GraphQLResponse) {
  return { code: errorCodes(response)[0], message: response.errors?.[0]?.message };
}

/** An acknowledged graphql-ws client for the token, and a promise of its close event. */
async function socket(baseUrl: string, token: string) {
  const closed = createDeferred<{ code: number; reason: string }>();
  const client = await connectedClient(baseUrl, token, closed.resolve);
  clients.push(client);
  return { client, closed: closed.promise };
}

/** One query over a graphql-ws client: its result (data and errors). */
async function wsQuery(client: Client, query: string): Promise<{ data?: unknown; errors?: unknown }> {
  const result = createDeferred<{ data?: unknown; errors?: unknown }>();
  client.subscribe({ query }, { next: result.resolve, error: result.reject, complete: () => undefined });
  return withDeadline(result.promise, { what: 'the graphql-ws query result' });
}

/** Pending invitations of the organization, as the vendor sees them. */
async function pendingInvitations(): Promise<{ id: string; email: string }[]> {
  const response = await graphql(
    t.url,
    t.sandboxKey,
    'query ($id: ID!) { organization(id: $id) { invitations { id email expiresAt createdAt url } } }',
    { id: organizationId },
  );
  expect(response.errors).toBeUndefined();
  return response.data?.['organization'].invitations;
}

describe('acceptAdminInvitation', () => {
  it('signs the admin in without credentials; the session works over HTTP and graphql-ws', async () => {
    const invitation = await inviteAdminAs(t.url, t.sandboxKey, organizationId, '  Ada@Customer.Example ');
    expect(invitation).toMatchObject({
      email: 'ada@customer.example',
      url: expect.stringMatching(/^https:\/\/dsync\.test\/portal\/#invitation=dsi_/),
    });
    expect(await pendingInvitations()).toEqual([
      expect.objectContaining({ id: invitation.id, email: 'ada@customer.example', url: null }),
    ]);

    const accepted = await acceptInvitation(t.url, invitation.token, 'Ada Lovelace');
    expect(accepted.errors).toBeUndefined();
    const session = accepted.data?.['acceptAdminInvitation'];
    expect(session).toMatchObject({
      sessionToken: expect.stringMatching(/^dsa_[A-Za-z0-9_-]{43}$/),
      admin: { email: 'ada@customer.example', name: 'Ada Lovelace' },
    });
    expect(new Date(session.expiresAt).getTime() - clock.now().getTime()).toBeGreaterThan(11 * HOUR);
    expect(await pendingInvitations()).toEqual([]);

    const expected = {
      viewer: {
        environment: { name: 'sandbox' },
        apiKey: null,
        admin: { id: session.admin.id, email: 'ada@customer.example', name: 'Ada Lovelace' },
        organization: { id: organizationId },
      },
    };
    const overHttp = await graphql(t.url, session.sessionToken, ADMIN_VIEWER);
    expect(overHttp).toMatchObject({ status: 200, data: expected });
    const { client } = await socket(other.url, session.sessionToken);
    expect(await wsQuery(client, ADMIN_VIEWER)).toEqual({ data: expected });
  });

  it('refuses a used invitation, saying so', async () => {
    const invitation = await inviteAdminAs(t.url, t.sandboxKey, organizationId);
    expect((await acceptInvitation(t.url, invitation.token)).errors).toBeUndefined();
    expect(refusal(await acceptInvitation(t.url, invitation.token))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'invitation already used',
    });
  });

  it('refuses an expired invitation, saying so', async () => {
    const invitation = await inviteAdminAs(t.url, t.sandboxKey, organizationId);
    clock.advance(7 * 24 * HOUR + 1_000);
    expect(refusal(await acceptInvitation(t.url, invitation.token))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'invitation expired',
    });
    expect(await pendingInvitations()).toEqual([]);
  });

  it('refuses a cancelled invitation, saying so', async () => {
    const invitation = await inviteAdminAs(t.url, t.sandboxKey, organizationId);
    const cancelled = await graphql(
      t.url,
      t.sandboxKey,
      'mutation ($id: ID!) { cancelInvitation(id: $id) { id url } }',
      {
        id: invitation.id,
      },
    );
    expect(cancelled.data).toEqual({ cancelInvitation: { id: invitation.id, url: null } });
    expect(refusal(await acceptInvitation(t.url, invitation.token))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'invitation cancelled',
    });
    expect(await pendingInvitations()).toEqual([]);
  });

  it('refuses an unknown token, and a session token in its place', async () => {
    const admin = await signedInAdmin(t.url, t.sandboxKey, organizationId);
    for (const token of ['dsi_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', admin.token, '']) {
      expect(refusal(await acceptInvitation(t.url, token))).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'invitation not found: the token is not valid',
      });
    }
  });

  it('re-inviting the same email cancels the pending invitation; the new one signs the same admin in', async () => {
    const admin = await signedInAdmin(t.url, t.sandboxKey, organizationId);
    const first = await inviteAdminAs(t.url, t.sandboxKey, organizationId, admin.email);
    const second = await inviteAdminAs(t.url, t.sandboxKey, organizationId, admin.email.toUpperCase());
    expect(await pendingInvitations()).toEqual([expect.objectContaining({ id: second.id, email: admin.email })]);
    expect(refusal(await acceptInvitation(t.url, first.token))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'invitation cancelled',
    });
    const again = await acceptInvitation(t.url, second.token);
    expect(again.data?.['acceptAdminInvitation'].admin.id).toBe(admin.adminId);
  });
});

describe('inviteAdmin', () => {
  it('refuses a malformed email with BAD_USER_INPUT, and an overlong name on acceptance', async () => {
    for (const email of ['not-an-email', 'a@b', 'two@@example.com', `${'x'.repeat(250)}@example.com`]) {
      const response = await graphql(
        t.url,
        t.sandboxKey,
        'mutation ($id: ID!, $email: String!) { inviteAdmin(organizationId: $id, email: $email) { id } }',
        { id: organizationId, email },
      );
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    }
    const invitation = await inviteAdminAs(t.url, t.sandboxKey, organizationId);
    expect(errorCodes(await acceptInvitation(t.url, invitation.token, 'x'.repeat(201)))).toEqual(['BAD_USER_INPUT']);
    // A refused acceptance does not use the invitation up.
    expect((await acceptInvitation(t.url, invitation.token, 'Grace')).errors).toBeUndefined();
  });

  it("goes with its organization: deleting it ends its admins' sessions and invitations", async () => {
    const doomed = (await createOrganizationAs(t.url, t.sandboxKey)).id;
    const admin = await signedInAdmin(t.url, t.sandboxKey, doomed);
    const invitation = await inviteAdminAs(t.url, t.sandboxKey, doomed);
    const deleted = await graphql(t.url, t.sandboxKey, 'mutation ($id: ID!) { deleteOrganization(id: $id) }', {
      id: doomed,
    });
    expect(deleted.errors).toBeUndefined();
    expect(refusal(await graphql(t.url, admin.token, ADMIN_VIEWER))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'admin session not found: sign in again with a new invitation',
    });
    expect(refusal(await acceptInvitation(t.url, invitation.token))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'invitation not found: the token is not valid',
    });
  });
});

describe('admin sessions', () => {
  it('expire after ADMIN_SESSION_TTL, over HTTP and at connection_init', async () => {
    const admin = await signedInAdmin(t.url, t.sandboxKey, organizationId);
    expect((await graphql(t.url, admin.token, ADMIN_VIEWER)).errors).toBeUndefined();
    clock.advance(12 * HOUR + 1_000);
    const expired = await graphql(t.url, admin.token, ADMIN_VIEWER);
    expect(expired.status).toBe(401);
    expect(refusal(expired)).toEqual({ code: 'UNAUTHENTICATED', message: 'admin session expired' });

    const closed = createDeferred<{ code: number; reason: string }>();
    clients.push(wsClient(t.url, `Bearer ${admin.token}`, closed.resolve));
    expect((await withDeadline(closed.promise, { what: 'the expired session socket to close' })).code).toBe(4401);
  });

  it('that expire while subscribed get no further event: the socket closes with 4401', async () => {
    const directory = await createDirectoryAs(t.url, t.sandboxKey, organizationId);
    const scim = scimClient(`${t.url}/scim/v2/${directory.directory.id}`, directory.token);
    await scim.post('/Users', scimUserBody());
    const after = await lastEventId(t.url, t.sandboxKey, directory.directory.id);
    await scim.post('/Users', scimUserBody());
    const admin = await signedInAdmin(t.url, t.sandboxKey, organizationId);
    const open = await socket(other.url, admin.token);
    // Subscribed once the event after `after` arrives; only then does the session expire.
    const subscription = subscribeEvents(open.client, { after });
    await subscription.take(1);
    clock.advance(12 * HOUR + 1_000);
    await scim.post('/Users', scimUserBody());
    expect(await withDeadline(open.closed, { what: 'the expired session socket to close' })).toEqual({
      code: 4401,
      reason: 'Admin session expired',
    });
    expect(subscription.received).toHaveLength(1);
  });

  it('signOut ends the session: requests say so and its open sockets close with 4401', async () => {
    const admin = await signedInAdmin(t.url, t.sandboxKey, organizationId);
    const open = await socket(other.url, admin.token);
    subscribeEvents(open.client);
    const signedOut = await graphql(t.url, admin.token, 'mutation { signOut }');
    expect(signedOut.data).toEqual({ signOut: true });
    expect(
      await withDeadline(open.closed, { what: 'the signed-out session socket on the other instance to close' }),
    ).toEqual({ code: 4401, reason: 'Admin session signed out' });
    expect(refusal(await graphql(t.url, admin.token, ADMIN_VIEWER))).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'admin session signed out',
    });
  });

  it("revokeAdmin ends all of the admin's sessions and closes their subscriptions with 4401 in every instance", async () => {
    const admin = await signedInAdmin(t.url, t.sandboxKey, organizationId);
    const secondSession = await acceptInvitation(
      t.url,
      (await inviteAdminAs(t.url, t.sandboxKey, organizationId, admin.email)).token,
    );
    const secondToken: string = secondSession.data?.['acceptAdminInvitation'].sessionToken;
    const bystander: AdminSession = await signedInAdmin(t.url, t.sandboxKey, organizationId);
    const onLocal = await socket(t.url, admin.token);
    const onOther = await socket(other.url, secondToken);
    const bystanderSocket = await socket(other.url, bystander.token);
    for (const { client } of [onLocal, onOther, bystanderSocket]) subscribeEvents(client);

    const revoked = await graphql(
      t.url,
      t.sandboxKey,
      'mutation ($id: ID!) { revokeAdmin(id: $id) { id revokedAt } }',
      {
        id: admin.adminId,
      },
    );
    expect(revoked.data?.['revokeAdmin']).toEqual({ id: admin.adminId, revokedAt: expect.any(String) });

    const closedBy = { code: 4401, reason: 'Admin revoked' };
    expect(
      await withDeadline(onLocal.closed, { what: 'the revoked admin socket on the revoking instance to close' }),
    ).toEqual(closedBy);
    expect(
      await withDeadline(onOther.closed, { what: 'the revoked admin socket on the other instance to close' }),
    ).toEqual(closedBy);
    for (const token of [admin.token, secondToken]) {
      expect(refusal(await graphql(other.url, token, ADMIN_VIEWER))).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'admin revoked',
      });
    }
    // Another admin's socket keeps working.
    expect(await wsQuery(bystanderSocket.client, '{ viewer { admin { id } } }')).toEqual({
      data: { viewer: { admin: { id: bystander.adminId } } },
    });
  });
});

describe('deleting the organization', () => {
  it("closes its admins' open sockets with 4401 in every instance, and their tokens stop working", async () => {
    const doomed = (await createOrganizationAs(t.url, t.sandboxKey)).id;
    const admin = await signedInAdmin(t.url, t.sandboxKey, doomed);
    const bystander = await signedInAdmin(t.url, t.sandboxKey, organizationId);
    const onLocal = await socket(t.url, admin.token);
    const onOther = await socket(other.url, admin.token);
    const bystanderSocket = await socket(other.url, bystander.token);
    for (const { client } of [onLocal, onOther, bystanderSocket]) subscribeEvents(client);

    const deleted = await graphql(t.url, t.sandboxKey, 'mutation ($id: ID!) { deleteOrganization(id: $id) }', {
      id: doomed,
    });
    expect(deleted).toMatchObject({ status: 200, data: { deleteOrganization: doomed } });

    const closedBy = { code: 4401, reason: 'Organization deleted' };
    expect(await withDeadline(onLocal.closed, { what: 'the socket on the deleting instance to close' })).toEqual(
      closedBy,
    );
    expect(await withDeadline(onOther.closed, { what: 'the socket on the other instance to close' })).toEqual(closedBy);
    expect(errorCodes(await graphql(other.url, admin.token, ADMIN_VIEWER))).toEqual(['UNAUTHENTICATED']);
    expect(await wsQuery(bystanderSocket.client, '{ viewer { admin { id } } }')).toEqual({
      data: { viewer: { admin: { id: bystander.adminId } } },
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { allEvents } from '../fixtures/events.js';
import { runExample, runExampleToEnd, stopExample, waitForRun, type ExampleRun } from '../fixtures/example.js';
import { scimClient, scimPatch, scimUserBody } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { freePort } from '../setup/process.js';

// The README's walk-through, each step run as the file under examples/ against a real server: curl for
// GraphQL, then the node:http webhook receiver verifying real deliveries with standardwebhooks.

let t: TestApp;
let receiver: ExampleRun | undefined;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  if (receiver) await stopExample(receiver);
  await t.close();
});

describe('the README examples against a real server', () => {
  it('create an organization and a directory, provision, read the events and receive them as webhooks', async () => {
    const env = { DSYNC_URL: t.url, DSYNC_API_KEY: t.sandboxKey };

    const organization = (await runExampleToEnd('create-organization.sh', env)).data.createOrganization;
    expect(organization).toEqual({ id: expect.any(String), name: 'Acme', domain: 'acme.com' });

    const created = (await runExampleToEnd('create-directory.sh', { ...env, DSYNC_ORGANIZATION_ID: organization.id }))
      .data.createDirectory;
    expect(created.directory).toMatchObject({
      provider: 'OKTA',
      state: 'PENDING',
      scimBaseUrl: `https://dsync.test/scim/v2/${created.directory.id}`,
    });

    const port = await freePort();
    const webhook = (
      await runExampleToEnd('create-webhook.sh', { ...env, DSYNC_WEBHOOK_URL: `http://127.0.0.1:${port}/dsync` })
    ).data.createWebhook;
    expect(webhook.secret).toMatch(/^whsec_/);
    receiver = runExample('webhook-receiver.mjs', { PORT: String(port), DSYNC_WEBHOOK_SECRET: webhook.secret });
    const listening = receiver;
    await waitForRun(listening, () => listening.stderr.includes('listening on'), 'the webhook receiver to listen');

    // The IdP's side: a user is created, then renamed.
    const scim = scimClient(`${t.url}/scim/v2/${created.directory.id}`, created.token);
    const user = await scim.post('/Users', scimUserBody());
    expect(user.status).toBe(201);
    const renamed = await scim.patch(
      `/Users/${user.body.id}`,
      scimPatch({ op: 'replace', path: 'name.givenName', value: 'Augusta' }),
    );
    expect(renamed.status).toBe(200);

    const stored = await allEvents(t.url, t.sandboxKey, { directoryId: created.directory.id });
    const updated = stored.filter((event) => event.type === 'dsync.user.updated');
    expect(updated).toHaveLength(1);
    const history = (await runExampleToEnd('events.sh', { ...env, DSYNC_DIRECTORY_ID: created.directory.id })).data
      .events;
    expect(history.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(
      updated.map((event) => event.id),
    );
    expect(history.edges[0].node.data.changed).toContain('name.givenName');

    // The webhook subscribes to user created/updated/deleted: exactly those events, each verified once.
    const expected = stored
      .filter((event) => ['dsync.user.created', 'dsync.user.updated'].includes(event.type))
      .map(({ id, sequence, type }) => ({ id, sequence, type }));
    await waitForRun(
      listening,
      () => listening.lines().length >= expected.length,
      `${expected.length} verified webhook deliveries`,
    );
    expect(listening.lines()).toEqual(expected);
  });

  it('the webhook receiver rejects a forged request with 400 and prints nothing', async () => {
    const listening = receiver;
    if (!listening) throw new Error('the receiver of the first test is not running');
    const port = /listening on http:\/\/localhost:(\d+)/.exec(listening.stderr)?.[1];
    const before = listening.stdout;
    const forged = await fetch(`http://127.0.0.1:${port}/dsync`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
      },
      body: JSON.stringify({ id: 'forged', type: 'dsync.user.deleted' }),
    });
    expect(forged.status).toBe(400);
    expect(listening.stdout).toBe(before);
  });
});

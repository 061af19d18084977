import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';

import { errorCodes, graphql } from '../fixtures/graphql.js';
import { startReceiver, type Receiver } from '../fixtures/receiver.js';
import { createTestDirectory, type TestDirectory } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url eventTypes organizationId description enabled } } }`;

describe('webhook endpoints', () => {
  let t: TestApp;
  let dir: TestDirectory;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestApp();
    dir = await createTestDirectory(t.url, t.sandboxKey);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('creates, lists, updates and deletes; the secret is shown once and stored only encrypted', async () => {
    const created = (
      await graphql(t.url, t.sandboxKey, CREATE, {
        input: {
          url: receiver.url,
          eventTypes: ['dsync.user.created'],
          organizationId: dir.organizationId,
          description: 'HR sync',
        },
      })
    ).data?.['createWebhook'];
    expect(created).toEqual({
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
      webhook: {
        id: expect.any(String),
        url: receiver.url,
        eventTypes: ['dsync.user.created'],
        organizationId: dir.organizationId,
        description: 'HR sync',
        enabled: true,
      },
    });
    const id = created.webhook.id;
    const admin = new pg.Client({ connectionString: t.database.url });
    await admin.connect();
    try {
      const row = (
        await admin.query('select row_to_json(w)::text as json, secret_sealed from webhooks w where id = $1', [id])
      ).rows[0];
      expect(row.json).not.toContain(created.secret.slice(6));
      expect(row.secret_sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    } finally {
      await admin.end();
    }
    const list = await graphql(
      t.url,
      t.sandboxKey,
      `
        {
          webhooks(first: 10) {
            totalCount
            edges {
              node {
                id
              }
            }
          }
        }
      `,
    );
    expect(list.data?.['webhooks']).toEqual({ totalCount: 1, edges: [{ node: { id } }] });
    const updated = await graphql(
      t.url,
      t.sandboxKey,
      `
        mutation ($id: ID!, $input: UpdateWebhookInput!) {
          updateWebhook(id: $id, input: $input) {
            eventTypes
            organizationId
            enabled
            description
          }
        }
      `,
      {
        id,
        input: { eventTypes: [], organizationId: null, enabled: false, description: null },
      },
    );
    expect(updated.data?.['updateWebhook']).toEqual({
      eventTypes: [],
      organizationId: null,
      enabled: false,
      description: null,
    });
    expect(
      (
        await graphql(
          t.url,
          t.sandboxKey,
          `
            mutation ($id: ID!) {
              deleteWebhook(id: $id)
            }
          `,
          { id },
        )
      ).data,
    ).toEqual({ deleteWebhook: id });
    expect(
      errorCodes(
        await graphql(
          t.url,
          t.sandboxKey,
          `
            query ($id: ID!) {
              webhook(id: $id) {
                id
              }
            }
          `,
          { id },
        ),
      ),
    ).toEqual(['NOT_FOUND']);
  });
});

describe('SSRF guard', () => {
  it.each([
    ['http in production', { NODE_ENV: 'production' }, 'http://example.com/hook', /must use https/],
    [
      'loopback in production',
      { NODE_ENV: 'production' },
      'https://127.0.0.1/hook',
      /127\.0\.0\.1, a private or reserved address/,
    ],
    ['localhost in production', { NODE_ENV: 'production' }, 'https://localhost/hook', /a private or reserved address/],
    ['the metadata address', { NODE_ENV: 'production' }, 'https://169.254.169.254/latest', /169\.254\.169\.254/],
    [
      'private ranges when turned on in development',
      { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' },
      'http://10.1.2.3/hook',
      /10\.1\.2\.3/,
    ],
    [
      'IPv6 loopback when turned on in development',
      { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' },
      'http://[::1]:8000/hook',
      /::1/,
    ],
  ])('refuses %s', async (_name, env, url, message) => {
    const t = await startTestApp({ ...env, WEBHOOK_WORKERS: '0' });
    try {
      const res = await graphql(t.url, t.sandboxKey, CREATE, { input: { url } });
      expect(res.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(message),
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'url' }),
        }),
      ]);
    } finally {
      await t.close();
    }
  });

  it('refuses IPv6 forms that reach a non-global address (IPv4-compatible, mapped, NAT64, 6to4, site-local, …)', async () => {
    const t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_WORKERS: '0' });
    try {
      for (const host of [
        '[::7f00:1]',
        '[::127.0.0.1]',
        '[::a00:1]',
        '[::ffff:127.0.0.1]',
        '[64:ff9b::a00:1]',
        '[2002:a00:1::1]',
        '[2001::1]',
        '[fec0::1]',
        '[fd00::1]',
        '[fe80::1]',
        '[ff02::1]',
        '[::]',
      ]) {
        const res = await graphql(t.url, t.sandboxKey, CREATE, { input: { url: `http://${host}:8000/hook` } });
        expect([host, res.errors]).toEqual([
          host,
          [
            expect.objectContaining({
              message: expect.stringMatching(/a private or reserved address/),
              extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'url' }),
            }),
          ],
        ]);
      }
      const allowed = await graphql(t.url, t.sandboxKey, CREATE, {
        input: { url: 'http://[2606:4700:4700::1111]/hook' },
      });
      expect(allowed.errors).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('allows a local receiver in development by default (a receiver on localhost:8000, as in docs/webhooks.md)', async () => {
    const t = await startTestApp({ WEBHOOK_WORKERS: '0' });
    try {
      const res = await graphql(t.url, t.sandboxKey, CREATE, { input: { url: 'http://localhost:8000/webhooks' } });
      expect(res.data?.['createWebhook'].webhook.url).toBe('http://localhost:8000/webhooks');
    } finally {
      await t.close();
    }
  });

  it('checks again at delivery time: a process with the guard on refuses to send to a private address', async () => {
    const database: TestDatabase = await createTestDatabase();
    const receiver = await startReceiver();
    // The endpoint was accepted by a permissive process that delivers nothing...
    const permissive = await startTestApp({ WEBHOOK_WORKERS: '0' }, database);
    // ...and the deliveries are made by a guarded one (as if DNS had changed since).
    const guarded = await startTestApp(
      { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_RETRY_DELAYS: '100ms', WEBHOOK_POLL_INTERVAL_MS: '100' },
      database,
    );
    try {
      const hook = (
        await graphql(permissive.url, permissive.sandboxKey, CREATE, {
          input: { url: receiver.url.replace('127.0.0.1', 'localhost') },
        })
      ).data?.['createWebhook'];
      const test = await graphql(
        guarded.url,
        permissive.sandboxKey,
        `
          mutation ($id: ID!) {
            testWebhook(id: $id) {
              statusCode
              error
              success
            }
          }
        `,
        { id: hook.webhook.id },
      );
      expect(test.data?.['testWebhook']).toEqual({
        statusCode: null,
        error: expect.stringMatching(
          /^refused: localhost resolves to (127\.0\.0\.1|::1), a private or reserved address$/,
        ),
        success: false,
      });
      expect(receiver.received).toEqual([]);
    } finally {
      await permissive.close();
      await guarded.close();
      await receiver.close();
      await database.drop();
    }
  });
});

describe('http policy at delivery time', () => {
  it('does not deliver to an http endpoint once WEBHOOK_ALLOW_HTTP=false: the attempt fails with the reason, nothing connects', async () => {
    const database: TestDatabase = await createTestDatabase();
    const receiver = await startReceiver();
    // Created while http was allowed, by a process that delivers nothing...
    const permissive = await startTestApp({ WEBHOOK_WORKERS: '0' }, database);
    // ...delivered by one started after the policy changed.
    const strict = await startTestApp(
      { WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_RETRY_DELAYS: '100ms', WEBHOOK_POLL_INTERVAL_MS: '100' },
      database,
    );
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const dir = await createTestDirectory(permissive.url, permissive.sandboxKey);
      const hook = (await graphql(permissive.url, permissive.sandboxKey, CREATE, { input: { url: receiver.url } }))
        .data?.['createWebhook'];
      expect(hook.webhook.url).toMatch(/^http:/);
      const test = await graphql(
        strict.url,
        permissive.sandboxKey,
        `
          mutation ($id: ID!) {
            testWebhook(id: $id) {
              statusCode
              error
              success
            }
          }
        `,
        { id: hook.webhook.id },
      );
      const refused =
        'refused: plain http is not allowed (WEBHOOK_ALLOW_HTTP=false); update the endpoint to an https URL';
      expect(test.data?.['testWebhook']).toEqual({ statusCode: null, error: refused, success: false });

      await dir.scim.post('/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'http policy',
      });
      const deadline = Date.now() + 15_000;
      let rows: { status: string; attempts: { error: string }[] }[] = [];
      while (!(rows.length > 0 && rows.every((row) => row.status === 'failed'))) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for the deliveries to fail: ${JSON.stringify(rows)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        rows = (await admin.query('select status, attempts from webhook_deliveries')).rows;
      }
      expect(rows.flatMap((row) => row.attempts.map((attempt) => attempt.error))).toEqual(
        Array(rows.length * 2).fill(refused),
      );
      expect(receiver.received).toEqual([]);
    } finally {
      await admin.end();
      await permissive.close();
      await strict.close();
      await receiver.close();
      await database.drop();
    }
  });
});

describe('ENCRYPTION_KEY rotation', () => {
  it('re-seals secrets with the new key at start while the previous key can still read them', async () => {
    const database = await createTestDatabase();
    const receiver = await startReceiver();
    const oldKey = 'aa'.repeat(32);
    const newKey = 'bb'.repeat(32);
    const sealedWith = async () => {
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        return (
          await admin.query<{ secret_sealed: string }>('select secret_sealed from webhooks')
        ).rows[0]?.secret_sealed.split('.')[1];
      } finally {
        await admin.end();
      }
    };
    try {
      const before = await startTestApp({ ENCRYPTION_KEY: oldKey, WEBHOOK_WORKERS: '0' }, database);
      const created = (await graphql(before.url, before.sandboxKey, CREATE, { input: { url: receiver.url } })).data?.[
        'createWebhook'
      ];
      receiver.secret = created.secret;
      await before.close();
      const oldKeyId = await sealedWith();

      const after = await startTestApp(
        { ENCRYPTION_KEY: newKey, ENCRYPTION_KEY_PREVIOUS: oldKey, WEBHOOK_WORKERS: '0' },
        database,
      );
      try {
        expect(await sealedWith()).not.toBe(oldKeyId);
        const test = await graphql(
          after.url,
          before.sandboxKey,
          `
            mutation ($id: ID!) {
              testWebhook(id: $id) {
                success
              }
            }
          `,
          { id: created.webhook.id },
        );
        expect(test.data).toEqual({ testWebhook: { success: true } });
        expect(receiver.received[0]?.verified).toBe(true); // same secret, now sealed with the new key
      } finally {
        await after.close();
      }
    } finally {
      await receiver.close();
      await database.drop();
    }
  });
});

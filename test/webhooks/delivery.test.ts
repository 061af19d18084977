import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { allEvents } from '../fixtures/events.js';
import { errorCodes, graphql } from '../fixtures/graphql.js';
import { databaseEventsPublished } from '../fixtures/published.js';
import { startReceiver, type Receiver } from '../fixtures/receiver.js';
import { createTestDirectory, scimGroupBody, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { waitUntil } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';

// Retries compressed to 200 ms and 400 ms: three attempts in all.
let t: TestApp;
let dir: TestDirectory;
let receiver: Receiver;
beforeAll(async () => {
  t = await startTestApp({
    WEBHOOK_RETRY_DELAYS: '200ms,400ms',
    WEBHOOK_POLL_INTERVAL_MS: '100',
    WEBHOOK_TIMEOUT_MS: '500',
  });
  dir = await createTestDirectory(t.url, t.sandboxKey);
});
afterEach(async () => {
  await receiver?.close();
});
afterAll(async () => {
  await t.close();
});

const WEBHOOK_FIELDS = 'id url description eventTypes organizationId enabled disabledReason';
const DELIVERY_FIELDS =
  'id eventId eventType status attemptCount nextAttemptAt attempts { statusCode durationMs responseExcerpt error success attemptedAt }';

async function createWebhook(input: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  receiver = await startReceiver();
  const res = await graphql(
    t.url,
    t.sandboxKey,
    `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { ${WEBHOOK_FIELDS} } } }`,
    {
      input: { url: receiver.url, ...input },
    },
  );
  expect(res.errors).toBeUndefined();
  const created = res.data?.['createWebhook'];
  receiver.secret = created.secret;
  return { id: created.webhook.id, secret: created.secret };
}

async function deliveries(webhookId: string, filter: Record<string, unknown> = {}): Promise<any[]> {
  const res = await graphql(
    t.url,
    t.sandboxKey,
    `query($id: ID!, $filter: WebhookDeliveryFilter) { webhook(id: $id) { deliveries(filter: $filter, first: 100) { totalCount edges { node { ${DELIVERY_FIELDS} } } } } }`,
    {
      id: webhookId,
      filter,
    },
  );
  return res.data?.['webhook'].deliveries.edges.map((e: { node: unknown }) => e.node);
}

/** Polls the delivery log (through the API) until `predicate` holds; fails naming `what` at the deadline. */
function deliveriesUntil(webhookId: string, predicate: (all: any[]) => boolean, what: string): Promise<any[]> {
  return waitUntil(
    async () => {
      const all = await deliveries(webhookId);
      return predicate(all) && all;
    },
    { what, intervalMs: 50 },
  );
}

describe('webhook delivery', () => {
  it('POSTs every matching event, signed so that standardwebhooks verifies it, with the event JSON as body', async () => {
    const hook = await createWebhook();
    const user = (await dir.scim.post('/Users', scimUserBody())).body;
    const [request] = await receiver.until((all) => all.some((r) => r.event?.data?.after?.id === user.id), {
      what: "the user's webhook",
    });
    const got = receiver.received.find((r) => r.event?.data?.after?.id === user.id)!;
    void request;
    expect(got.verified).toBe(true);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['webhook-id']).toBe(got.event.id);
    expect(Number(got.headers['webhook-timestamp'])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(got.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    const stored = (await allEvents(t.url, t.sandboxKey)).find((e) => e.id === got.event.id);
    expect(got.event).toEqual(stored);
    const [delivery] = await deliveriesUntil(
      hook.id,
      (all) => all.some((d) => d.eventId === got.event.id && d.status === 'SUCCEEDED'),
      'a SUCCEEDED delivery of the event',
    );
    expect(delivery).toMatchObject({
      eventType: 'dsync.user.created',
      status: 'SUCCEEDED',
      attemptCount: 1,
      nextAttemptAt: null,
    });
    expect(delivery.attempts).toEqual([
      {
        statusCode: 200,
        durationMs: expect.any(Number),
        responseExcerpt: 'ok',
        error: null,
        success: true,
        attemptedAt: expect.any(String),
      },
    ]);
  });

  it('retries a failing receiver with the same webhook-id until it answers 2xx; every attempt is logged', async () => {
    const hook = await createWebhook({ eventTypes: ['dsync.group.created'] });
    receiver.respond = (n) => (n < 2 ? { status: 500, body: `failure ${n + 1}` } : { status: 204 });
    await dir.scim.post('/Groups', scimGroupBody());
    await receiver.until((all) => all.length === 3, { what: '3 attempts' });
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(receiver.received.every((r) => r.verified)).toBe(true);
    const [delivery] = await deliveriesUntil(
      hook.id,
      (all) => all[0]?.status === 'SUCCEEDED',
      'the delivery to succeed',
    );
    expect(delivery.attemptCount).toBe(3);
    expect(delivery.attempts.map((a: any) => [a.statusCode, a.error, a.success])).toEqual([
      [500, 'HTTP 500', false],
      [500, 'HTTP 500', false],
      [204, null, true],
    ]);
    expect(delivery.attempts[0].responseExcerpt).toBe('failure 1');
  });

  it('ends failed after the last scheduled attempt when the receiver stays down', async () => {
    const hook = await createWebhook({ eventTypes: ['dsync.group.created'] });
    receiver.respond = () => 'hang'; // every attempt times out (WEBHOOK_TIMEOUT_MS=500)
    await dir.scim.post('/Groups', scimGroupBody());
    const [delivery] = await deliveriesUntil(
      hook.id,
      (all) => all[0]?.status === 'FAILED',
      'the delivery to end FAILED',
    );
    expect(delivery.attemptCount).toBe(3);
    expect(delivery.attempts.map((a: any) => a.error)).toEqual(Array(3).fill('timed out after 500 ms'));
    expect(delivery.nextAttemptAt).toBeNull();
  });

  it('honours Retry-After on 429/503', async () => {
    const hook = await createWebhook({ eventTypes: ['dsync.group.created'] });
    receiver.respond = (n) => (n === 0 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 });
    await dir.scim.post('/Groups', scimGroupBody());
    const [pending] = await deliveriesUntil(
      hook.id,
      (all) => all[0]?.attemptCount === 1,
      'the first attempt to be logged',
    );
    const waited = Date.parse(pending.nextAttemptAt) - Date.parse(pending.attempts[0].attemptedAt);
    expect(waited).toBeGreaterThanOrEqual(1_900); // not the 200 ms of the schedule
    await deliveriesUntil(hook.id, (all) => all[0]?.status === 'SUCCEEDED', 'the delivery to succeed');
  });

  it('disables the endpoint on 410 Gone and records why', async () => {
    const hook = await createWebhook({ eventTypes: ['dsync.group.created'] });
    receiver.respond = () => ({ status: 410 });
    await dir.scim.post('/Groups', scimGroupBody());
    const [delivery] = await deliveriesUntil(
      hook.id,
      (all) => all[0]?.status === 'FAILED',
      'the delivery to end FAILED on 410',
    );
    expect(delivery.attemptCount).toBe(1);
    const webhook = (
      await graphql(
        t.url,
        t.sandboxKey,
        `
          query ($id: ID!) {
            webhook(id: $id) {
              enabled
              disabledReason
            }
          }
        `,
        { id: hook.id },
      )
    ).data?.['webhook'];
    expect(webhook).toEqual({
      enabled: false,
      disabledReason: expect.stringMatching(/^the endpoint answered 410 Gone at /),
    });
    await dir.scim.post('/Groups', scimGroupBody());
    // Published (endpoints are matched then): nothing more is queued for a disabled endpoint. Waiting also keeps
    // this event from reaching the next test's endpoint, which would match it if it were published late.
    await databaseEventsPublished(t.database.url);
    expect((await deliveries(hook.id)).length).toBe(1);
  });

  it('queues nothing while an endpoint is disabled, and resumes when it is enabled again', async () => {
    const hook = await createWebhook({ eventTypes: ['dsync.group.created'] });
    const setEnabled = (enabled: boolean) =>
      graphql(
        t.url,
        t.sandboxKey,
        `
          mutation ($id: ID!, $e: Boolean) {
            updateWebhook(id: $id, input: { enabled: $e }) {
              enabled
            }
          }
        `,
        { id: hook.id, e: enabled },
      );
    await setEnabled(false);
    await dir.scim.post('/Groups', scimGroupBody());
    // Endpoints are matched when an event is published (docs/webhooks.md): published while disabled.
    await databaseEventsPublished(t.database.url);
    await setEnabled(true);
    const group = (await dir.scim.post('/Groups', scimGroupBody())).body;
    const [delivery] = await deliveriesUntil(
      hook.id,
      (all) => all[0]?.status === 'SUCCEEDED',
      'the delivery to succeed',
    );
    expect((await deliveries(hook.id)).length).toBe(1);
    expect(receiver.received.map((r) => r.event.data.after.id)).toEqual([group.id]);
    expect(delivery.eventType).toBe('dsync.group.created');
  });

  it('follows no redirect and reads at most 64 KiB of a response', async () => {
    const hook = await createWebhook({ eventTypes: ['dsync.group.created'] });
    receiver.respond = (n) =>
      n === 0
        ? { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }
        : { status: 200, body: 'y'.repeat(1_000_000) };
    await dir.scim.post('/Groups', scimGroupBody());
    const [delivery] = await deliveriesUntil(
      hook.id,
      (all) => all[0]?.status === 'SUCCEEDED',
      'the delivery to succeed',
    );
    expect(delivery.attempts[0]).toMatchObject({ statusCode: 302, success: false });
    expect(delivery.attempts[1].responseExcerpt).toBe('y'.repeat(1_024));
    expect(receiver.received).toHaveLength(2);
  });

  it('records a 2xx answer with a NUL byte or a cut surrogate pair as one successful attempt', async () => {
    const hook = await createWebhook({ eventTypes: ['dsync.group.created'] });
    // The second body's emoji straddles the 1,024-character excerpt limit: cut in half, it is a lone surrogate.
    const bodies = ['ok\u0000done', `${'y'.repeat(1_023)}\u{1F600}`];
    receiver.respond = (n) => ({
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: bodies[n] ?? 'ok',
    });
    await dir.scim.post('/Groups', scimGroupBody());
    await dir.scim.post('/Groups', scimGroupBody());
    const all = await deliveriesUntil(
      hook.id,
      (list) => list.length === 2 && list.every((d) => d.status !== 'PENDING'),
      'both deliveries settled',
    );
    expect(all.map((d) => [d.status, d.attemptCount])).toEqual([
      ['SUCCEEDED', 1],
      ['SUCCEEDED', 1],
    ]);
    expect(all.map((d) => d.attempts[0].responseExcerpt).sort()).toEqual(
      ['okdone', `${'y'.repeat(1_023)}\uFFFD`].sort(),
    );
    expect(receiver.received).toHaveLength(2);
  });

  it('filters by event type and organization', async () => {
    const other = await createTestDirectory(t.url, t.sandboxKey);
    const hook = await createWebhook({ eventTypes: ['dsync.user.created'], organizationId: other.organizationId });
    await dir.scim.post('/Users', scimUserBody());
    await other.scim.post('/Groups', scimGroupBody());
    const mine = (await other.scim.post('/Users', scimUserBody())).body;
    await receiver.until((all) => all.length >= 1, { what: 'the first webhook' });
    await deliveriesUntil(hook.id, (all) => all.every((d) => d.status !== 'PENDING'), 'no PENDING delivery');
    expect(receiver.received.map((r) => [r.event.type, r.event.data.after.id])).toEqual([
      ['dsync.user.created', mine.id],
    ]);
    expect((await deliveries(hook.id, { eventType: 'dsync.user.created', status: 'SUCCEEDED' })).length).toBe(1);
    expect((await deliveries(hook.id, { status: 'FAILED' })).length).toBe(0);
  });

  it('testWebhook sends a signed webhook.test event now and returns the attempt', async () => {
    const hook = await createWebhook();
    receiver.respond = () => ({ status: 202, body: 'received the test' });
    const res = await graphql(
      t.url,
      t.sandboxKey,
      `
        mutation ($id: ID!) {
          testWebhook(id: $id) {
            statusCode
            durationMs
            responseExcerpt
            error
            success
          }
        }
      `,
      { id: hook.id },
    );
    expect(res.data?.['testWebhook']).toEqual({
      statusCode: 202,
      durationMs: expect.any(Number),
      responseExcerpt: 'received the test',
      error: null,
      success: true,
    });
    expect(receiver.received[0]).toMatchObject({
      verified: true,
      event: { type: 'webhook.test', data: { webhookId: hook.id } },
    });
  });

  it('redeliverEvent sends an event again with the same webhook-id; replayEvents queues a time range once', async () => {
    const hook = await createWebhook({ eventTypes: ['dsync.user.created'] });
    const since = new Date().toISOString();
    for (let i = 0; i < 3; i++) await dir.scim.post('/Users', scimUserBody());
    await receiver.until((all) => all.length === 3, { what: '3 webhooks' });
    const first = receiver.received[0]!;
    const redelivered = await graphql(
      t.url,
      t.sandboxKey,
      `
        mutation ($w: ID!, $e: ID!) {
          redeliverEvent(webhookId: $w, eventId: $e) {
            eventId
            status
          }
        }
      `,
      { w: hook.id, e: first.event.id },
    );
    expect(redelivered.data?.['redeliverEvent']).toEqual({ eventId: first.event.id, status: 'PENDING' });
    await receiver.until((all) => all.length === 4, { what: 'the redelivered webhook' });
    expect(receiver.received[3]?.headers['webhook-id']).toBe(first.headers['webhook-id']);
    await deliveriesUntil(
      hook.id,
      (all) => all.length === 4 && all.every((d) => d.status === 'SUCCEEDED'),
      '4 SUCCEEDED deliveries',
    );

    receiver.respond = () => 'hang'; // keep the replayed deliveries pending, to see the de-duplication
    const replay = `mutation($w: ID!, $since: DateTime!) { replayEvents(webhookId: $w, since: $since) }`;
    const replayed = await graphql(t.url, t.sandboxKey, replay, { w: hook.id, since });
    expect(replayed.errors).toBeUndefined();
    expect(replayed.data).toEqual({ replayEvents: 3 });
    expect((await graphql(t.url, t.sandboxKey, replay, { w: hook.id, since })).data).toEqual({ replayEvents: 0 });
  });

  it('signs with the new secret after rotateWebhookSecret', async () => {
    const hook = await createWebhook({ eventTypes: ['dsync.user.created'] });
    const rotated = (
      await graphql(
        t.url,
        t.sandboxKey,
        `
          mutation ($id: ID!) {
            rotateWebhookSecret(id: $id) {
              secret
            }
          }
        `,
        { id: hook.id },
      )
    ).data?.['rotateWebhookSecret'];
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(hook.secret);
    await dir.scim.post('/Users', scimUserBody());
    await receiver.until((all) => all.length === 1, { what: 'the webhook signed with the old secret' });
    expect(receiver.received[0]?.verified).toBe(false); // the receiver still holds the old secret
    receiver.secret = rotated.secret;
    await graphql(
      t.url,
      t.sandboxKey,
      `
        mutation ($id: ID!) {
          testWebhook(id: $id) {
            success
          }
        }
      `,
      { id: hook.id },
    );
    expect(receiver.received[1]?.verified).toBe(true);
  });

  it('rejects bad input with clear codes', async () => {
    const hook = await createWebhook();
    const create = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }`;
    expect(errorCodes(await graphql(t.url, t.sandboxKey, create, { input: { url: 'not a url' } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(errorCodes(await graphql(t.url, t.sandboxKey, create, { input: { url: 'ftp://example.com/x' } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      errorCodes(
        await graphql(t.url, t.sandboxKey, create, { input: { url: receiver.url, eventTypes: ['user.created'] } }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      errorCodes(
        await graphql(t.url, t.productionKey, create, {
          input: { url: receiver.url, organizationId: dir.organizationId },
        }),
      ),
    ).toEqual(['NOT_FOUND']);
    expect(
      errorCodes(
        await graphql(
          t.url,
          t.productionKey,
          `
            query ($id: ID!) {
              webhook(id: $id) {
                id
              }
            }
          `,
          { id: hook.id },
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    expect(
      errorCodes(
        await graphql(
          t.url,
          t.sandboxKey,
          `
            mutation ($w: ID!) {
              redeliverEvent(webhookId: $w, eventId: "01a21dd0-0000-7000-8000-000000000000") {
                id
              }
            }
          `,
          { w: hook.id },
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    const since = new Date().toISOString();
    expect(
      errorCodes(
        await graphql(
          t.url,
          t.sandboxKey,
          `
            mutation ($w: ID!, $s: DateTime!) {
              replayEvents(webhookId: $w, since: $s, until: $s)
            }
          `,
          { w: hook.id, s: since },
        ),
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });
});

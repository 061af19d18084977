import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

import { findOneOrThrow } from '../db/find.js';
import type { Sql } from '../db/sql.js';
import { findEvent } from '../events/event-log.js';
import { isDirectoryEventType } from '../events/event-types.js';
import { addEndpointJobSql, endpointMatchesSql, NEW_DELIVERY_COLUMNS, newDeliveryValues } from '../events/outbox.js';
import type { SecretBox } from '../lib/encryption.js';
import { InvalidInputError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { findOrganizationOrFail } from '../tenancy/organization.service.js';
import { deliverOnce } from './deliver.js';
import { checkWebhookTarget, parseWebhookUrl, type UrlPolicy } from './url-guard.js';
import { DeliveryStatus, WebhookDelivery, WebhookEndpoint, type DeliveryAttempt } from './webhook.entity.js';

/** What webhook writes need besides the EntityManager. */
export interface WebhookContext {
  readonly box: SecretBox;
  readonly policy: UrlPolicy;
}

export interface WebhookInput {
  readonly url: string;
  readonly eventTypes?: readonly string[] | null | undefined;
  /** Already checked to be an organization of the environment (the caller owns that rule). */
  readonly organizationId?: string | null | undefined;
  readonly description?: string | null | undefined;
}

export interface WebhookChanges {
  readonly url?: string | null | undefined;
  readonly eventTypes?: readonly string[] | null | undefined;
  /** `null` removes the organization filter. */
  readonly organizationId?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly enabled?: boolean | null | undefined;
}

export interface WebhookWithSecret {
  readonly webhook: WebhookEndpoint;
  /** `whsec_…`, returned once. */
  readonly secret: string;
}

/** At most this many events per `replayEvents` call; narrow the time range for more. */
export const MAX_REPLAY = 10_000;

/** Standard Webhooks secrets: `whsec_` + base64 of 24 random bytes. */
function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function checkEventTypes(types: readonly string[] | null | undefined): string[] {
  const list = [...new Set(types ?? [])];
  const unknown = list.filter((type) => !isDirectoryEventType(type));
  if (unknown.length > 0) throw new InvalidInputError(`unknown event types: ${unknown.join(', ')}`, 'eventTypes');
  return list;
}

async function checkedUrl(url: string, policy: UrlPolicy): Promise<string> {
  const parsed = parseWebhookUrl(url.trim(), policy);
  await checkWebhookTarget(parsed, policy);
  return parsed.toString();
}

/** An endpoint may only be limited to an organization of its own environment. */
async function checkOrganization(
  em: EntityManager,
  environmentId: string,
  organizationId: string | null | undefined,
): Promise<void> {
  if (organizationId) await findOrganizationOrFail(em, { environmentId }, organizationId);
}

export async function findWebhookOrFail(
  em: EntityManager,
  environmentId: string,
  id: string,
): Promise<WebhookEndpoint> {
  return findOneOrThrow(em, WebhookEndpoint, { id, environmentId }, 'Webhook', id);
}

export async function createWebhook(
  em: EntityManager,
  environmentId: string,
  input: WebhookInput,
  ctx: WebhookContext,
): Promise<WebhookWithSecret> {
  await checkOrganization(em, environmentId, input.organizationId);
  const secret = newSecret();
  const webhook = em.create(WebhookEndpoint, {
    environmentId,
    url: await checkedUrl(input.url, ctx.policy),
    eventTypes: checkEventTypes(input.eventTypes),
    organizationId: input.organizationId ?? null,
    description: input.description?.trim() || null,
    secretSealed: ctx.box.encrypt(secret),
  });
  await em.flush();
  return { webhook, secret };
}

export async function updateWebhook(
  em: EntityManager,
  environmentId: string,
  id: string,
  changes: WebhookChanges,
  ctx: WebhookContext,
): Promise<WebhookEndpoint> {
  const webhook = await findWebhookOrFail(em, environmentId, id);
  await checkOrganization(em, environmentId, changes.organizationId);
  if (changes.url !== undefined && changes.url !== null) webhook.url = await checkedUrl(changes.url, ctx.policy);
  if (changes.eventTypes !== undefined && changes.eventTypes !== null)
    webhook.eventTypes = checkEventTypes(changes.eventTypes);
  if (changes.organizationId !== undefined) webhook.organizationId = changes.organizationId;
  if (changes.description !== undefined) webhook.description = changes.description?.trim() || null;
  const reenabled = changes.enabled === true && !webhook.enabled;
  if (changes.enabled !== undefined && changes.enabled !== null) {
    webhook.enabled = changes.enabled;
    if (changes.enabled) webhook.disabledReason = null;
  }
  await em.transactional(async (tx) => {
    await tx.flush();
    // Deliveries still pending from before it was disabled get a job again.
    if (reenabled) await queueEndpointJob(tx, webhook.id);
  });
  return webhook;
}

/** A new secret; the old one stops signing at once (receivers verify with the new one from then on). */
export async function rotateWebhookSecret(
  em: EntityManager,
  environmentId: string,
  id: string,
  ctx: WebhookContext,
): Promise<WebhookWithSecret> {
  const webhook = await findWebhookOrFail(em, environmentId, id);
  const secret = newSecret();
  webhook.secretSealed = ctx.box.encrypt(secret);
  await em.flush();
  return { webhook, secret };
}

/** Deletes the endpoint, its deliveries and their pending jobs (a job whose delivery is gone does nothing). */
export async function deleteWebhook(em: EntityManager, environmentId: string, id: string): Promise<void> {
  const webhook = await findWebhookOrFail(em, environmentId, id);
  await em.nativeDelete(WebhookEndpoint, { id: webhook.id });
}

/** Queues (or moves to now) the endpoint's delivery job; one per endpoint thanks to the job key. */
async function queueEndpointJob(em: EntityManager, webhookId: string): Promise<void> {
  await em.execute(`select ${addEndpointJobSql('?::uuid')}`, [webhookId, webhookId]);
}

/** Queues deliveries of the given events and the endpoint's job, in one transaction (two statements). */
async function enqueue(em: EntityManager, webhook: WebhookEndpoint, eventIds: readonly string[]): Promise<string[]> {
  if (eventIds.length === 0) return [];
  return em.transactional(async (tx) => {
    const rows = await tx.execute<{ id: string }[]>(
      `insert into webhook_deliveries (${NEW_DELIVERY_COLUMNS})
       select ${newDeliveryValues('?', 'e.id', 'e.type')}
         from events e join unnest(array[${eventIds.map(() => '?').join(',')}]::uuid[]) with ordinality as wanted(id, n) on wanted.id = e.id
        order by wanted.n
       returning id`,
      [webhook.id, ...eventIds],
    );
    await queueEndpointJob(tx, webhook.id);
    return rows.map((row) => row.id);
  });
}

/** Queues one event again (a pending delivery of it is returned instead of a second one). */
export async function redeliverEvent(
  em: EntityManager,
  sql: Sql,
  environmentId: string,
  webhookId: string,
  eventId: string,
): Promise<WebhookDelivery> {
  const webhook = await findWebhookOrFail(em, environmentId, webhookId);
  const event = await findEvent(sql, environmentId, eventId);
  const pending = await em.findOne(WebhookDelivery, { webhook: webhook.id, eventId, status: DeliveryStatus.PENDING });
  if (pending) return pending;
  const [id] = await enqueue(em, webhook, [event.id]);
  return em.findOneOrFail(WebhookDelivery, { id: id as string });
}

/**
 * Queues every event of the environment created in [since, until) that the endpoint's filters match and that
 * has no pending delivery to it yet; at most {@link MAX_REPLAY}. Returns how many were queued.
 */
export async function replayEvents(
  em: EntityManager,
  environmentId: string,
  webhookId: string,
  since: Date,
  until: Date | null,
): Promise<number> {
  const webhook = await findWebhookOrFail(em, environmentId, webhookId);
  if (until && until <= since) throw new InvalidInputError('until must be after since', 'until');
  const events = await em.execute<{ id: string; type: string }[]>(
    `select e.id, e.type from events e join webhooks w on w.id = ?
      where ${endpointMatchesSql('w', { environment: 'e.environment_id', organization: 'e.organization_id', type: 'e.type' })}
        and e.position is not null and e.created_at >= ? and e.created_at < coalesce(?::timestamptz, 'infinity')
        and not exists (select 1 from webhook_deliveries d where d.webhook_id = w.id and d.event_id = e.id and d.status = 'pending')
      order by e.position limit ?`,
    [webhook.id, since, until, MAX_REPLAY + 1],
  );
  if (events.length > MAX_REPLAY)
    throw new InvalidInputError(`more than ${MAX_REPLAY} events in that range: replay a shorter one`, 'since');
  return (
    await enqueue(
      em,
      webhook,
      events.map((event) => event.id),
    )
  ).length;
}

export interface DeliveryFilter {
  readonly status?: DeliveryStatus | null | undefined;
  readonly eventType?: string | null | undefined;
}

/** Deliveries of one endpoint, newest first, keyset-paged by id. */
export async function listDeliveries(
  em: EntityManager,
  webhookId: string,
  filter: DeliveryFilter,
  first: number,
  afterId: string | null,
): Promise<{ items: WebhookDelivery[]; hasNextPage: boolean; totalCount: number }> {
  const where = {
    webhook: webhookId,
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.eventType ? { eventType: filter.eventType } : {}),
  };
  const [rows, totalCount] = await Promise.all([
    em.find(
      WebhookDelivery,
      { ...where, ...(afterId ? { id: { $lt: afterId } } : {}) },
      { orderBy: { id: 'desc' }, limit: first + 1 },
    ),
    em.count(WebhookDelivery, where),
  ]);
  return { items: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
}

/** Re-seals secrets sealed with an older ENCRYPTION_KEY (listed in ENCRYPTION_KEY_PREVIOUS); returns how many. */
export async function resealWebhookSecrets(em: EntityManager, box: SecretBox): Promise<number> {
  const stale = (await em.find(WebhookEndpoint, {})).filter((webhook) => box.isStale(webhook.secretSealed));
  for (const webhook of stale) webhook.secretSealed = box.encrypt(box.decrypt(webhook.secretSealed));
  await em.flush();
  return stale.length;
}

/** Sends a `webhook.test` event now, signed like any other, and returns the attempt (nothing is stored). */
export async function sendTestEvent(
  webhook: WebhookEndpoint,
  ctx: WebhookContext & { timeoutMs: number },
): Promise<DeliveryAttempt> {
  const event = {
    id: newId(),
    sequence: 0,
    type: 'webhook.test',
    createdAt: new Date().toISOString(),
    environmentId: webhook.environmentId,
    organizationId: webhook.organizationId,
    directoryId: null,
    data: { webhookId: webhook.id, message: 'This is a test event from dsync.' },
  };
  const result = await deliverOnce(
    webhook.url,
    ctx.box.decrypt(webhook.secretSealed),
    { id: event.id, body: JSON.stringify(event) },
    ctx,
  );
  return result.attempt;
}

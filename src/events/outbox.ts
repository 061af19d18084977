/**
 * The outbox in one place: the names and SQL that tie the database trigger on `events` to the TypeScript
 * that publishes and reads what writers insert (src/events/sequencer.ts numbers events and creates their
 * webhook deliveries). The triggers are installed by migrations, which copy their SQL from here at the time they
 * are written and never change afterwards; test/db/outbox.test.ts reads the functions and triggers installed
 * in a migrated database and fails when they differ from this module. Change a trigger by changing it here
 * and writing a new migration with `createFunctionSql` / the trigger text pasted in.
 */

/** The channel the sequencer notifies once it published events; the payload is the last position it assigned. */
export const EVENTS_CHANNEL = 'dsync_events';

/**
 * Wakes every sequencer when notified (empty payload): for tools that insert events by SQL. dsync's own
 * writers do not notify (a notifying commit holds PostgreSQL's notification-queue lock through its flush);
 * they wake their process's sequencer directly, and the others poll.
 */
export const EVENTS_PENDING_CHANNEL = 'dsync_events_pending';

/** `pg_try_advisory_xact_lock` key held by the one sequencer numbering at a time (across processes). */
export const SEQUENCER_LOCK = 7_046_220_512;

/** The graphile-worker task that delivers one endpoint's due deliveries. */
export const DELIVER_TASK = 'deliver_webhooks';

const ENDPOINT_JOB_KEY_PREFIX = 'webhook:';

/** The job key that keeps one queued job per endpoint. */
export function endpointJobKey(webhookId: string): string {
  return `${ENDPOINT_JOB_KEY_PREFIX}${webhookId}`;
}

/**
 * Which endpoints receive an event: enabled, of the event's environment, of its organization when they name
 * one, and listing its type when they list any. Expressions are SQL text for the webhook row's alias and the
 * event's columns (a joined `events` row).
 */
export function endpointMatchesSql(
  webhook: string,
  event: { environment: string; organization: string; type: string },
): string {
  return `${webhook}.environment_id = ${event.environment} and ${webhook}.enabled
       and (${webhook}.organization_id is null or ${webhook}.organization_id = ${event.organization})
       and (cardinality(${webhook}.event_types) = 0 or ${event.type} = any(${webhook}.event_types))`;
}

/** Columns and values of a new, due delivery row (the same in the sequencer and in redeliver/replay). */
export const NEW_DELIVERY_COLUMNS =
  'id, created_at, updated_at, webhook_id, event_id, event_type, status, attempts, attempt_count, next_attempt_at';
export function newDeliveryValues(
  webhookId: string,
  eventId: string,
  eventType: string,
  id = 'dsync_uuid_v7()',
): string {
  return `${id}, now(), now(), ${webhookId}, ${eventId}, ${eventType}, 'pending', '[]', 0, now()`;
}

/** SQL that queues (or moves to now) an endpoint's delivery job; `webhookId` is an SQL expression. */
export function addEndpointJobSql(webhookId: string): string {
  return `graphile_worker.add_job('${DELIVER_TASK}', json_build_object('webhookId', ${webhookId}), job_key := '${ENDPOINT_JOB_KEY_PREFIX}' || ${webhookId}::text)`;
}

export interface DatabaseFunction {
  readonly name: string;
  /** As `pg_get_function_identity_arguments` prints them. */
  readonly args: string;
  readonly returns: string;
  readonly language: 'sql' | 'plpgsql';
  readonly volatility: 'volatile' | 'stable' | 'immutable';
  /** The body between the `$$` quotes, exactly as PostgreSQL keeps it (`pg_proc.prosrc`). */
  readonly body: string;
}

/** UUIDv7 in SQL (PostgreSQL < 18 has no uuidv7()): time-sortable delivery ids, like the app's. */
const uuidV7: DatabaseFunction = {
  name: 'dsync_uuid_v7',
  args: '',
  returns: 'uuid',
  language: 'sql',
  volatility: 'volatile',
  body: `
  select encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
    substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid
`,
};

/** Every function the outbox relies on, as the newest migration installs it. */
export const OUTBOX_FUNCTIONS: readonly DatabaseFunction[] = [uuidV7];

/** Every trigger on `events`, as `pg_get_triggerdef` prints it. */
export const OUTBOX_TRIGGERS: Readonly<Record<string, string>> = {};

/** `create or replace function …` for a new migration (paste its output into the migration file). */
export function createFunctionSql(fn: DatabaseFunction): string {
  return `create or replace function "${fn.name}"(${fn.args}) returns ${fn.returns} language ${fn.language} ${fn.volatility} as $$${fn.body}$$;`;
}

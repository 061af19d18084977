/**
 * The outbox in one place: the names and SQL that tie the database triggers to the TypeScript that reads
 * what they write. The triggers are installed by migrations, which copy their SQL from here at the time they
 * are written and never change afterwards; test/db/outbox.test.ts reads the functions and triggers installed
 * in a migrated database and fails when they differ from this module. Change a trigger by changing it here
 * and writing a new migration with `createFunctionSql` / the trigger text pasted in.
 */

/** The channel the commit-order step notifies; the payload is the last commit position it assigned. */
export const EVENTS_CHANNEL = 'dsync_events';

/** `pg_advisory_xact_lock` key that orders the commits of event-writing transactions. */
export const EVENTS_COMMIT_LOCK = 7_046_220_511;

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
 * event's columns (in the trigger: `new.…`; elsewhere a joined `events` row).
 */
export function endpointMatchesSql(
  webhook: string,
  event: { environment: string; organization: string; type: string },
): string {
  return `${webhook}.environment_id = ${event.environment} and ${webhook}.enabled
       and (${webhook}.organization_id is null or ${webhook}.organization_id = ${event.organization})
       and (cardinality(${webhook}.event_types) = 0 or ${event.type} = any(${webhook}.event_types))`;
}

/** Columns and values of a new, due delivery row (the same in the trigger and in redeliver/replay). */
export const NEW_DELIVERY_COLUMNS =
  'id, created_at, updated_at, webhook_id, event_id, event_type, status, attempts, attempt_count, next_attempt_at';
export function newDeliveryValues(webhookId: string, eventId: string, eventType: string): string {
  return `dsync_uuid_v7(), now(), now(), ${webhookId}, ${eventId}, ${eventType}, 'pending', '[]', 0, now()`;
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

/**
 * Transactional outbox: every event row creates a delivery per matching endpoint and queues that endpoint's
 * job (the job key coalesces a transaction's events), in the event's own transaction.
 */
const enqueueWebhooks: DatabaseFunction = {
  name: 'events_enqueue_webhooks',
  args: '',
  returns: 'trigger',
  language: 'plpgsql',
  volatility: 'volatile',
  body: `
declare
  hook record;
begin
  for hook in
    select w.id from webhooks w
     where ${endpointMatchesSql('w', { environment: 'new.environment_id', organization: 'new.organization_id', type: 'new.type' })}
  loop
    insert into webhook_deliveries (${NEW_DELIVERY_COLUMNS})
      values (${newDeliveryValues('hook.id', 'new.id', 'new.type')});
    perform ${addEndpointJobSql('hook.id')};
  end loop;
  return null;
end
`,
};

/** True once per environment per transaction (a transaction-local setting; savepoints roll it back). */
const firstOfEnvironment: DatabaseFunction = {
  name: 'events_first_of_environment',
  args: 'environment uuid',
  returns: 'boolean',
  language: 'plpgsql',
  volatility: 'volatile',
  body: `
declare
  seen text := coalesce(current_setting('dsync.events_environments', true), '');
begin
  if strpos(seen, environment::text) > 0 then return false; end if;
  perform set_config('dsync.events_environments', seen || environment::text || ',', true);
  return true;
end
`,
};

/**
 * The commit-order step, once per transaction and environment: under the commit lock, numbers the
 * transaction's events (positions from one reserved block, per-directory sequences) in id order and notifies.
 */
const assignOrder: DatabaseFunction = {
  name: 'events_assign_order',
  args: '',
  returns: 'trigger',
  language: 'plpgsql',
  volatility: 'volatile',
  body: `
declare
  total integer;
  first_position bigint;
begin
  perform pg_advisory_xact_lock(${EVENTS_COMMIT_LOCK});
  select count(*) into total from events where environment_id = new.environment_id and position is null;
  if total = 0 then return null; end if;
  first_position := nextval('events_position_seq');
  if total > 1 then perform setval('events_position_seq', first_position + total - 1); end if;
  with pending as (
    select id, directory_id,
           row_number() over (order by id) as k,
           row_number() over (partition by directory_id order by id) as n,
           count(*) over (partition by directory_id) as in_directory
      from events where environment_id = new.environment_id and position is null
  ), counters as (
    insert into directory_event_counters as c (directory_id, last_sequence)
    select directory_id, count(*)::int from pending group by directory_id
    on conflict (directory_id) do update set last_sequence = c.last_sequence + excluded.last_sequence
    returning c.directory_id, c.last_sequence
  )
  update events e
     set position = first_position + p.k - 1, sequence = c.last_sequence - p.in_directory + p.n, committed_at = clock_timestamp()
    from pending p join counters c on c.directory_id = p.directory_id
   where e.id = p.id;
  perform pg_notify('${EVENTS_CHANNEL}', (first_position + total - 1)::text);
  -- Numbered: should more events of the environment follow (SET CONSTRAINTS … IMMEDIATE), they queue again.
  perform set_config('dsync.events_environments', replace(current_setting('dsync.events_environments', true), new.environment_id::text || ',', ''), true);
  return null;
end
`,
};

/** Every function the outbox relies on, as the newest migration installs it. */
export const OUTBOX_FUNCTIONS: readonly DatabaseFunction[] = [uuidV7, enqueueWebhooks, firstOfEnvironment, assignOrder];

/** Every trigger on `events`, as `pg_get_triggerdef` prints it. */
export const OUTBOX_TRIGGERS: Readonly<Record<string, string>> = {
  events_assign_order:
    'CREATE CONSTRAINT TRIGGER events_assign_order AFTER INSERT ON public.events DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (events_first_of_environment(new.environment_id)) EXECUTE FUNCTION events_assign_order()',
  events_enqueue_webhooks:
    'CREATE TRIGGER events_enqueue_webhooks AFTER INSERT ON public.events FOR EACH ROW EXECUTE FUNCTION events_enqueue_webhooks()',
};

/** `create or replace function …` for a new migration (paste its output into the migration file). */
export function createFunctionSql(fn: DatabaseFunction): string {
  return `create or replace function "${fn.name}"(${fn.args}) returns ${fn.returns} language ${fn.language} ${fn.volatility} as $$${fn.body}$$;`;
}

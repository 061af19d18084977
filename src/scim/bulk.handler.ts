import { isObject } from '../lib/is-object.js';
import type { Logger } from '../lib/logger.js';
import { assertSafeBody } from './body-guard.js';
import { ScimError, toScimError, toScimErrorBody, type ScimErrorBody } from './errors.js';
import type { ScimRequest, ScimResponse } from './request.js';

export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
/** ServiceProviderConfig `bulk.maxOperations` (RFC 7643 §5); more is a 413 before anything runs. */
export const BULK_MAX_OPERATIONS = 1_000;
/** ServiceProviderConfig `bulk.maxPayloadSize`: the SCIM body parser's limit (1 MiB) for every request. */
export const BULK_MAX_PAYLOAD_SIZE = 1_048_576;

type Resource = 'Users' | 'Groups';

const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const BULK_ID = /^[A-Za-z0-9._~-]{1,100}$/;
/** A whole string value `bulkId:<bulkId>`: replaced by the id the POST with that bulkId created. */
const REFERENCE = /^bulkId:([A-Za-z0-9._~-]{1,100})$/;
/** The only paths an operation may name: a resource endpoint, or one resource by id or bulkId reference. */
const PATH = /^\/(Users|Groups)(?:\/([A-Za-z0-9-]{1,100}|bulkId:[A-Za-z0-9._~-]{1,100}))?$/;

export interface BulkContext {
  readonly logger: Logger;
  /**
   * Charges the directory's rate limit for a request costing `tokens` in all, of which the request has paid
   * one: `undefined` when granted, else the seconds to wait. Absent = no limit.
   */
  readonly charge?: ((tokens: number) => undefined | number | Promise<undefined | number>) | undefined;
  /**
   * Operations one Bulk may hold: {@link BULK_MAX_OPERATIONS}, or the directory's rate-limit burst when that
   * is smaller — a Bulk costs one token per operation, and more than the bucket holds could never be paid.
   */
  readonly maxOperations: number;
  /** Runs one operation exactly as the single-resource endpoint would (body guard included). */
  run(resource: Resource, req: ScimRequest): Promise<ScimResponse>;
}

/** One operation of a BulkRequest that passed validation. */
interface Operation {
  readonly method: string;
  readonly bulkId: string | undefined;
  readonly resource: Resource;
  /** The id segment of the path: an id or a `bulkId:` reference; undefined for POST. */
  readonly target: string | undefined;
  readonly data: unknown;
  /** The operation's `version` (an ETag): its If-Match (RFC 7644 §3.7). */
  readonly version: string | undefined;
  /** bulkIds referenced by the path and the data. */
  readonly references: ReadonlySet<string>;
}

/** An operation refused before it ran; what of it was valid is echoed in its result. */
interface Refused {
  readonly method: string | undefined;
  readonly bulkId: string | undefined;
  readonly error: ScimError;
}

/** One entry of a BulkResponse's `Operations` (RFC 7644 §3.7.3). */
interface BulkResult {
  method?: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: ScimErrorBody;
}

function invalid(index: number, field: string, message: string, scimType: 'invalidSyntax' | 'invalidValue') {
  return new ScimError(400, `Operations[${index}].${field} ${message}`, scimType);
}

/** Adds the bulkIds that whole string values in `value` refer to (iterative: `value` may be large). */
function collectReferences(value: unknown, into: Set<string>): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      const bulkId = REFERENCE.exec(current)?.[1];
      if (bulkId) into.add(bulkId);
    } else if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
    } else if (isObject(current)) {
      for (const item of Object.values(current)) stack.push(item);
    }
  }
}

/** `value` with every whole-string `bulkId:<x>` replaced by the created id (depth is bounded by the guard). */
function resolveReferences(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    const bulkId = REFERENCE.exec(value)?.[1];
    return (bulkId && ids.get(bulkId)) ?? value;
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, ids));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveReferences(item, ids)]));
  return value;
}

function parseOperation(value: unknown, index: number): Operation | Refused {
  if (!isObject(value)) {
    const error = new ScimError(400, `Operations[${index}] must be an object`, 'invalidSyntax');
    return { method: undefined, bulkId: undefined, error };
  }
  const rawMethod = value['method'];
  const method =
    typeof rawMethod === 'string' && METHODS.has(rawMethod.toUpperCase()) ? rawMethod.toUpperCase() : undefined;
  const rawBulkId = value['bulkId'];
  const bulkId = typeof rawBulkId === 'string' && BULK_ID.test(rawBulkId) ? rawBulkId : undefined;
  const refuse = (error: ScimError): Refused => ({ method, bulkId, error });
  if (!method) return refuse(invalid(index, 'method', 'must be POST, PUT, PATCH or DELETE', 'invalidSyntax'));
  if (rawBulkId !== undefined && !bulkId)
    return refuse(invalid(index, 'bulkId', 'must be 1 to 100 of A-Z a-z 0-9 . _ ~ -', 'invalidValue'));
  if (method === 'POST' && !bulkId) return refuse(invalid(index, 'bulkId', 'is required for POST', 'invalidSyntax'));
  const path = typeof value['path'] === 'string' ? PATH.exec(value['path']) : null;
  const resource = path?.[1] as Resource | undefined;
  const target = path?.[2];
  if (!resource || (method === 'POST') !== (target === undefined)) {
    const expected = method === 'POST' ? '/Users or /Groups' : '/Users/{id} or /Groups/{id}';
    return refuse(new ScimError(400, `Operations[${index}].path must be ${expected} for ${method}`, 'invalidPath'));
  }
  const data = method === 'DELETE' ? undefined : value['data'];
  if (method !== 'DELETE' && !isObject(data))
    return refuse(invalid(index, 'data', `must be a JSON object for ${method}`, 'invalidSyntax'));
  try {
    assertSafeBody(data);
  } catch (error) {
    if (error instanceof ScimError)
      return refuse(new ScimError(error.status, `Operations[${index}].data: ${error.message}`, error.scimType));
    throw error;
  }
  const version = value['version'];
  if (version !== undefined && (typeof version !== 'string' || method === 'POST'))
    return refuse(invalid(index, 'version', 'must be an ETag string, on PUT, PATCH or DELETE', 'invalidSyntax'));
  const references = new Set<string>();
  collectReferences(target, references);
  collectReferences(data, references);
  return { method, bulkId, resource, target, data, version, references };
}

function isRefused(operation: Operation | Refused): operation is Refused {
  return 'error' in operation;
}

function parseFailOnErrors(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  throw new ScimError(400, 'failOnErrors must be a positive integer', 'invalidValue');
}

function failure(operation: Operation | Refused, error: ScimError, location?: string): BulkResult {
  return {
    ...(operation.method ? { method: operation.method } : {}),
    ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
    ...(location ? { location } : {}),
    status: String(error.status),
    response: toScimErrorBody(error),
  };
}

/** For each operation, the POSTs (by index) that create the bulkIds it refers to. */
function waitsFor(operations: readonly (Operation | Refused)[], creators: ReadonlyMap<string, number>): number[][] {
  return operations.map((operation) =>
    isRefused(operation)
      ? []
      : [...operation.references].flatMap((bulkId) => {
          const creator = creators.get(bulkId);
          return creator === undefined ? [] : [creator];
        }),
  );
}

/**
 * The operations among `pending` that lie on a circle of bulkId references (A's data refers to B's bulkId
 * and B's to A's, or A's to its own): Tarjan's strongly connected components, linear in operations and
 * references. Recursion depth is at most the number of operations (≤ {@link BULK_MAX_OPERATIONS}).
 */
function onCycles(pending: ReadonlySet<number>, edges: readonly (readonly number[])[]): number[] {
  /** Per visited operation: when it was visited, and the earliest visit reachable from it. */
  const visits = new Map<number, { order: number; low: number }>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  const members: number[] = [];
  const visit = (node: number): { order: number; low: number } => {
    const mine = { order: visits.size, low: visits.size };
    visits.set(node, mine);
    stack.push(node);
    onStack.add(node);
    for (const next of edges[node] ?? []) {
      if (!pending.has(next)) continue;
      const seen = visits.get(next);
      if (!seen) mine.low = Math.min(mine.low, visit(next).low);
      else if (onStack.has(next)) mine.low = Math.min(mine.low, seen.order);
    }
    if (mine.low !== mine.order) return mine;
    const component: number[] = [];
    let top: number | undefined;
    do {
      top = stack.pop();
      if (top === undefined) break;
      onStack.delete(top);
      component.push(top);
    } while (top !== node);
    if (component.length > 1 || edges[node]?.includes(node)) members.push(...component);
    return mine;
  };
  for (const node of pending) if (!visits.has(node)) visit(node);
  return members;
}

/**
 * POST /Bulk (RFC 7644 §3.7): runs each operation through the single-resource handlers, each in its own
 * transaction, in request order except that an operation referring to a later POST's bulkId waits for it.
 * Answers 200 with one result per operation run, in the order they ran.
 */
export async function handleBulk(req: ScimRequest, context: BulkContext): Promise<ScimResponse> {
  if (req.method !== 'POST') throw new ScimError(405, `${req.method} is not supported on /Bulk`);
  if (req.id !== undefined) throw new ScimError(404, '/Bulk has no sub-resources');
  if (!isObject(req.body)) throw new ScimError(400, 'the request body must be a JSON object', 'invalidSyntax');
  const failOnErrors = parseFailOnErrors(req.body['failOnErrors']);
  const list = req.body['Operations'] ?? req.body['operations'];
  if (!Array.isArray(list)) throw new ScimError(400, 'a BulkRequest needs an "Operations" array', 'invalidSyntax');
  if (list.length > context.maxOperations) {
    throw new ScimError(
      413,
      `a Bulk request may hold at most ${context.maxOperations} operations (maxOperations)`,
      'tooMany',
    );
  }
  // One rate-limit token per operation, so that Bulk does not multiply what a directory may send.
  const retryAfter = await context.charge?.(list.length);
  if (retryAfter !== undefined) {
    const error = new ScimError(429, `Too many operations for this directory's rate limit; retry in ${retryAfter} s.`);
    return { status: 429, body: toScimErrorBody(error), headers: { 'Retry-After': String(retryAfter) } };
  }

  const operations: (Operation | Refused)[] = list.map(parseOperation);
  /** bulkId → index of the POST that creates it (the first that names it; later ones are refused). */
  const creators = new Map<string, number>();
  const named = new Set<string>();
  operations.forEach((operation, index) => {
    if (!operation.bulkId) return;
    if (named.has(operation.bulkId)) {
      const error = new ScimError(400, `Operations[${index}].bulkId repeats an earlier operation's`, 'invalidValue');
      operations[index] = { method: operation.method, bulkId: undefined, error };
      return;
    }
    named.add(operation.bulkId);
    if (operation.method === 'POST') creators.set(operation.bulkId, index);
  });

  const created = new Map<string, string>();
  const failed = new Set<string>();
  const edges = waitsFor(operations, creators);
  const dependents: number[][] = operations.map(() => []);
  /** Per operation, how many of the POSTs it waits for have not run yet (≤ 0: it can run). */
  const unresolved = edges.map((waited, index) => {
    for (const creator of waited) dependents[creator]?.push(index);
    return waited.length;
  });
  const pending = new Set(operations.keys());
  const results: BulkResult[] = [];
  let errors = 0;
  while (pending.size > 0 && (failOnErrors === undefined || errors < failOnErrors)) {
    const index = [...pending].find((candidate) => (unresolved[candidate] as number) <= 0);
    if (index === undefined) {
      // Every pending operation waits for another: fail those on a circle, then those waiting for them.
      for (const member of onCycles(pending, edges)) {
        const operation = operations[member] as Operation;
        const error = new ScimError(409, `Operations[${member}] is part of a circular bulkId reference`);
        operations[member] = { method: operation.method, bulkId: operation.bulkId, error };
        unresolved[member] = 0;
      }
      continue;
    }
    pending.delete(index);
    const operation = operations[index] as Operation | Refused;
    const outcome = await execute(req, context, operation, index, created, failed);
    results.push(outcome.result);
    if (outcome.result.response) errors += 1;
    if (operation.method === 'POST' && operation.bulkId) {
      if (outcome.createdId) created.set(operation.bulkId, outcome.createdId);
      else failed.add(operation.bulkId);
    }
    for (const dependent of dependents[index] ?? []) unresolved[dependent] = (unresolved[dependent] as number) - 1;
    if (outcome.abort) break;
  }
  return { status: 200, body: { schemas: [BULK_RESPONSE_SCHEMA], Operations: results } };
}

interface Outcome {
  readonly result: BulkResult;
  readonly createdId?: string;
  /** An error that is not the client's: stop, the database may be unavailable. */
  readonly abort?: boolean;
}

async function execute(
  req: ScimRequest,
  context: BulkContext,
  operation: Operation | Refused,
  index: number,
  created: ReadonlyMap<string, string>,
  failed: ReadonlySet<string>,
): Promise<Outcome> {
  if (isRefused(operation)) return { result: failure(operation, operation.error) };
  for (const bulkId of operation.references) {
    if (failed.has(bulkId)) {
      const error = new ScimError(
        409,
        `Operations[${index}] refers to bulkId ${JSON.stringify(bulkId)}, whose POST failed`,
      );
      return { result: failure(operation, error) };
    }
    if (!created.has(bulkId)) {
      const error = new ScimError(
        400,
        `Operations[${index}] refers to bulkId ${JSON.stringify(bulkId)}, which no POST of this request has`,
        'invalidValue',
      );
      return { result: failure(operation, error) };
    }
  }
  const id = operation.target === undefined ? undefined : (resolveReferences(operation.target, created) as string);
  const location = id === undefined ? undefined : `${req.baseUrl}/${operation.resource}/${id}`;
  try {
    // Field by field, not `...req`: what else the Bulk's HTTP request carries is not the operation's.
    const response = await context.run(operation.resource, {
      sql: req.sql,
      directoryId: req.directoryId,
      scope: req.scope,
      baseUrl: req.baseUrl,
      method: operation.method,
      id,
      query: {},
      body: resolveReferences(operation.data, created),
      ...(operation.version === undefined ? {} : { preconditions: { ifMatch: operation.version } }),
    });
    const body = isObject(response.body) ? response.body : {};
    const meta = isObject(body['meta']) ? body['meta'] : {};
    const createdId = operation.method === 'POST' && typeof body['id'] === 'string' ? body['id'] : undefined;
    const where = response.headers?.['Location'] ?? location;
    return {
      result: {
        method: operation.method,
        ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
        ...(typeof meta['version'] === 'string' ? { version: meta['version'] } : {}),
        ...(where ? { location: where } : {}),
        status: String(response.status),
      },
      ...(createdId ? { createdId } : {}),
    };
  } catch (error) {
    const scimError = toScimError(error);
    if (scimError) return { result: failure(operation, scimError, location) };
    context.logger.error({ err: error }, 'SCIM Bulk operation failed');
    return { result: failure(operation, new ScimError(500, 'Internal server error'), location), abort: true };
  }
}

import type { Sql } from '../db/sql.js';
import type { ListQuery } from '../provisioning/filter.js';
import type { ListResult } from '../provisioning/list.js';
import { parseListParams, type ListParams } from './list-params.js';
import type { ResourceKind } from './paths.js';
import { ifNoneMatch } from './preconditions.js';
import { includesAttribute, parseProjection, project } from './projection.js';
import { LIST_RESPONSE_SCHEMA, type ScimRequest, type ScimResponse } from './request.js';
import { weakEtag, type ScimResource } from './resources.js';

/** What every resource row carries: its id, and the version its ETag names. */
type Versioned = { readonly id: string; readonly version: number };

/**
 * How to read one kind of resource, whose `related` attribute (a user's groups, a group's members) lives in
 * another table: read with the resource when the response shows it, skipped when projected away.
 */
export interface ResourceReader<T extends Versioned> {
  readonly kind: ResourceKind;
  readonly related: string;
  find(sql: Sql, directoryId: string, id: string, withRelated: boolean): Promise<T>;
  list(sql: Sql, directoryId: string, query: ListQuery, withRelated: boolean): Promise<ListResult<T>>;
  /** A resource a write returned, with its related values when it does not carry them yet. */
  withRelated(sql: Sql, item: T): Promise<T>;
  /** The SCIM resource; `related` is in it when the item carries it. */
  toScim(item: T, baseUrl: string): ScimResource;
}

/**
 * GET /{Resource}/{id}: the resource with its related values unless projected away, plus its weak ETag.
 * Writes pass the row they just saved as `loaded`, so it is not read again.
 */
export async function readOne<T extends Versioned>(
  reader: ResourceReader<T>,
  req: ScimRequest,
  id: string,
  { status = 200, loaded }: { status?: number; loaded?: T } = {},
): Promise<ScimResponse> {
  const projection = parseProjection(reader.kind, req.query['attributes'], req.query['excludedAttributes']);
  const related = includesAttribute(projection, reader.related);
  let item = loaded ?? (await reader.find(req.sql, req.directoryId, id, related));
  if (loaded && related) item = await reader.withRelated(req.sql, loaded);
  const resource = reader.toScim(item, req.baseUrl);
  const meta = resource['meta'] as { version: string };
  return { status, body: project(resource, projection), headers: { ETag: meta.version } };
}

/**
 * GET /{Resource}/{id} (RFC 7644 §3.4.1, §3.14): 304 with the ETag and no body when `If-None-Match` names the
 * current version or is `*` — judged on the row alone, before any related values are loaded — else the
 * resource ({@link readOne}).
 */
export async function getOne<T extends Versioned>(
  reader: ResourceReader<T>,
  req: ScimRequest,
  id: string,
): Promise<ScimResponse> {
  const notModified = ifNoneMatch(req);
  if (!notModified) return readOne(reader, req, id);
  const row = await reader.find(req.sql, req.directoryId, id, false);
  if (notModified(row.version)) return { status: 304, headers: { ETag: weakEtag(row.version) } };
  return readOne(reader, req, id, { loaded: row });
}

/** One page of one kind of resource, projected, and how many match in all. */
export interface ResourcePage {
  readonly resources: ScimResource[];
  readonly total: number;
}

/** Filter, sort and count in SQL, related values of the page with it. */
export async function readPage<T extends Versioned>(
  reader: ResourceReader<T>,
  req: ScimRequest,
  { query, projection }: ListParams,
): Promise<ResourcePage> {
  const { items, total } = await reader.list(
    req.sql,
    req.directoryId,
    query,
    includesAttribute(projection, reader.related),
  );
  return { resources: items.map((item) => project(reader.toScim(item, req.baseUrl), projection)), total };
}

/** A ListResponse (RFC 7644 §3.4.2); `count=0` answers the total alone, without `Resources`. */
export function listResponse(page: ResourcePage, startIndex: number, count: number): ScimResponse {
  const { resources, total } = page;
  if (count === 0)
    return { status: 200, body: { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, itemsPerPage: 0, startIndex } };
  return {
    status: 200,
    body: {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: total,
      itemsPerPage: resources.length,
      startIndex,
      Resources: resources,
    },
  };
}

/** GET /{Resource} (RFC 7644 §3.4.2), and POST /{Resource}/.search with its body as the parameters. */
export async function readList<T extends Versioned>(
  reader: ResourceReader<T>,
  req: ScimRequest,
): Promise<ScimResponse> {
  const params = parseListParams(reader.kind, req.query);
  return listResponse(await readPage(reader, req, params), params.startIndex, params.query.limit);
}

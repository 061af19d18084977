import type { EntityManager } from '@mikro-orm/postgresql';

import type { ListQuery } from '../provisioning/filter.js';
import type { ListResult } from '../provisioning/list.js';
import { parseListParams } from './list-params.js';
import type { ResourceKind } from './paths.js';
import { includesAttribute, parseProjection, project } from './projection.js';
import { LIST_RESPONSE_SCHEMA, type ScimRequest, type ScimResponse } from './request.js';
import type { ScimResource } from './resources.js';

/** How to read one kind of resource, whose `related` attribute (a user's groups, a group's members) lives in another table. */
export interface ResourceReader<T extends { id: string }, R> {
  readonly kind: ResourceKind;
  readonly related: string;
  find(em: EntityManager, directoryId: string, id: string): Promise<T>;
  list(em: EntityManager, directoryId: string, query: ListQuery): Promise<ListResult<T>>;
  /** The related values of each resource, in one query. */
  loadRelated(em: EntityManager, ids: readonly string[]): Promise<Map<string, R[]>>;
  toScim(item: T, related: readonly R[] | undefined, baseUrl: string): ScimResource;
}

/**
 * GET /{Resource}/{id}: the resource with its related values unless projected away, plus its weak ETag.
 * Writes pass the entity they just saved as `loaded`, so it is not read again.
 */
export async function readOne<T extends { id: string }, R>(
  reader: ResourceReader<T, R>,
  req: ScimRequest,
  id: string,
  { status = 200, loaded }: { status?: number; loaded?: T } = {},
): Promise<ScimResponse> {
  const projection = parseProjection(reader.kind, req.query['attributes'], req.query['excludedAttributes']);
  const item = loaded ?? (await reader.find(req.em, req.directoryId, id));
  const related = includesAttribute(projection, reader.related)
    ? (await reader.loadRelated(req.em, [item.id])).get(item.id)
    : undefined;
  const resource = reader.toScim(item, related, req.baseUrl);
  const meta = resource['meta'] as { version: string };
  return { status, body: project(resource, projection), headers: { ETag: meta.version } };
}

/** GET /{Resource} (RFC 7644 §3.4.2): filter, sort and count in SQL, related values of the page in one more query. */
export async function readList<T extends { id: string }, R>(
  reader: ResourceReader<T, R>,
  req: ScimRequest,
): Promise<ScimResponse> {
  const { query, startIndex, projection } = parseListParams(reader.kind, req.query);
  const { items, total } = await reader.list(req.em, req.directoryId, query);
  if (query.limit === 0)
    return { status: 200, body: { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, itemsPerPage: 0, startIndex } };
  const related = includesAttribute(projection, reader.related)
    ? await reader.loadRelated(
        req.em,
        items.map((item) => item.id),
      )
    : undefined;
  return {
    status: 200,
    body: {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: total,
      itemsPerPage: items.length,
      startIndex,
      Resources: items.map((item) =>
        project(reader.toScim(item, related ? (related.get(item.id) ?? []) : undefined, req.baseUrl), projection),
      ),
    },
  };
}

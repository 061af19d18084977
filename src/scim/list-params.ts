import type { ListQuery } from '../provisioning/filter.js';
import { ScimError } from './errors.js';
import { parseScimFilter } from './filter.js';
import { resolvePath, type ResourceKind } from './paths.js';
import { parseProjection, type Projection } from './projection.js';

/** RFC 7644 §3.4.2.4 default page size, and `filter.maxResults` of ServiceProviderConfig. */
export const DEFAULT_COUNT = 100;
export const MAX_RESULTS = 1_000;
const MAX_INT = 2_147_483_647;

export interface ListParams {
  readonly query: ListQuery;
  readonly startIndex: number;
  readonly projection: Projection;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new ScimError(400, `${name} must be an integer`, 'invalidValue');
  // Beyond PostgreSQL's int range an offset means "past the end" anyway.
  return Math.max(-MAX_INT, Math.min(MAX_INT, Number(value)));
}

/** Paging (1-based startIndex, count capped at maxResults), sorting, filtering and projection of a list request. */
export function parseListParams(kind: ResourceKind, params: Readonly<Record<string, string | undefined>>): ListParams {
  // RFC 7644 §3.4.2.4: startIndex below 1 is treated as 1; a negative count as 0.
  const startIndex = Math.max(1, integer(params['startIndex'], 'startIndex') ?? 1);
  const count = Math.min(MAX_RESULTS, Math.max(0, integer(params['count'], 'count') ?? DEFAULT_COUNT));
  const sortOrder = params['sortOrder']?.toLowerCase();
  if (sortOrder !== undefined && sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw new ScimError(400, 'sortOrder must be "ascending" or "descending"', 'invalidValue');
  }
  const sortBy = params['sortBy']?.trim();
  const sortPath = sortBy ? resolvePath(kind, sortBy) : undefined;
  if (sortPath?.multiValued || sortPath?.attribute?.type === 'complex') {
    throw new ScimError(
      400,
      `cannot sort by the ${sortPath.attribute?.multiValued ? 'multi-valued' : 'complex'} attribute ${sortBy}`,
      'invalidValue',
    );
  }
  const filter = params['filter']?.trim() ? parseScimFilter(kind, params['filter']) : undefined;
  return {
    startIndex,
    projection: parseProjection(kind, params['attributes'], params['excludedAttributes']),
    query: {
      filter,
      sort: sortPath
        ? {
            path: sortPath.segments,
            descending: sortOrder === 'descending',
            caseExact: sortPath.attribute?.caseExact ?? false,
          }
        : undefined,
      offset: startIndex - 1,
      limit: count,
    },
  };
}

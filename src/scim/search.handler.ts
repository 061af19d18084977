import { ScimError } from './errors.js';
import { groups } from './groups.handler.js';
import { parseListParams } from './list-params.js';
import type { ScimRequest, ScimResponse } from './request.js';
import { listResponse, readPage } from './resource-reads.js';
import { searchParameters } from './search-request.js';
import { users } from './users.handler.js';

/**
 * POST /.search at the SCIM root (RFC 7644 §3.4.3): users and groups matching one SearchRequest, as one list —
 * all matching users (in `sortBy` order), then all matching groups; `startIndex`/`count` page through that
 * sequence and `totalResults` is both totals. The filter, sortBy and attributes must be valid for both kinds;
 * an attribute one kind lacks simply matches nothing there. At most `count` (≤ 1000) rows are read per kind.
 */
export async function handleRootSearch(req: ScimRequest): Promise<ScimResponse> {
  if (req.id !== undefined) throw new ScimError(404, 'no SCIM endpoint under /.search');
  if (req.method !== 'POST')
    throw new ScimError(405, `${req.method} is not supported on .search; POST a SearchRequest`);
  const parameters = searchParameters(req.body);
  const userParams = parseListParams('User', parameters);
  const groupParams = parseListParams('Group', parameters);
  const { offset, limit } = userParams.query;
  const userPage = await readPage(users, req, userParams);
  // Groups continue the sequence where users end: past the users' total, and only as many as the page has room for.
  const groupPage = await readPage(groups, req, {
    ...groupParams,
    query: {
      ...groupParams.query,
      offset: Math.max(0, offset - userPage.total),
      limit: limit - userPage.resources.length,
    },
  });
  return listResponse(
    { resources: [...userPage.resources, ...groupPage.resources], total: userPage.total + groupPage.total },
    userParams.startIndex,
    limit,
  );
}

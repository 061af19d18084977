import type { EntityManager } from '@mikro-orm/core';

import { checkCursor, keysetPage, pageSize, type Page, type PageArgs } from '../../db/pagination.js';
import type { Sql } from '../../db/sql.js';
import { InvalidInputError } from '../../lib/errors.js';
import { findDirectoryOrFail } from '../../tenancy/directory.service.js';
import { requestLogPage, type ScimRequestLogRow } from '../../tenancy/scim-request-log.sql.js';
import type { Scope } from '../../tenancy/types.js';
import type { RequestLogFilter } from './request-log.type.js';

/** A page of a directory's SCIM request log, newest first; the directory must be in the caller's `scope`. */
export async function listRequestLog(
  em: EntityManager,
  sql: Sql,
  scope: Scope,
  directoryId: string,
  filter: RequestLogFilter,
  page: PageArgs,
): Promise<Page<ScimRequestLogRow>> {
  await findDirectoryOrFail(em, scope, directoryId);
  const status = filter.status ?? null;
  if (status !== null && (status < 100 || status > 599)) {
    throw new InvalidInputError('status must be an HTTP status between 100 and 599', 'filter.status');
  }
  const first = pageSize(page.first);
  const after = page.after ? checkCursor(page.after) : null;
  const { rows, total } = await requestLogPage(
    sql,
    directoryId,
    { status, method: filter.method ?? null, since: filter.since ?? null, errorsOnly: filter.errorsOnly ?? false },
    after,
    first + 1,
  );
  return keysetPage(rows, first, after, total);
}

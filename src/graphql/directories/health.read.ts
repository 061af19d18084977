import type { Sql } from '../../db/sql.js';
import { countsOfDirectories } from '../../provisioning/directory-counts.sql.js';
import { healthOfDirectories } from '../../tenancy/directory-health.sql.js';
import { toDirectoryHealthNode, type DirectoryHealthNode } from './health.type.js';

/**
 * The health of each of `directoryIds` (directories the caller already found in its environment), in two
 * statements whatever their number: the request health, and the user and group counts.
 */
export async function healthOfDirectoryNodes(
  sql: Sql,
  directoryIds: readonly string[],
): Promise<(DirectoryHealthNode | Error)[]> {
  const [health, counts] = await Promise.all([
    healthOfDirectories(sql, directoryIds, Date.now()),
    countsOfDirectories(sql, directoryIds),
  ]);
  return directoryIds.map((id) => {
    const h = health.get(id);
    const c = counts.get(id);
    return h && c ? toDirectoryHealthNode(h, c) : new Error(`no health for directory ${id}`);
  });
}

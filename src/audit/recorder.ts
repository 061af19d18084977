import { isIP } from 'node:net';

import type { Sql } from '../db/sql.js';
import type { Logger } from '../lib/logger.js';
import {
  recordAuditEntry,
  scopeOfTarget,
  type AuditTarget,
  type NewAuditEntry,
  type RequestOrigin,
  type TargetScope,
} from './audit-log.js';

const NO_SCOPE: TargetScope = { organizationId: null, environmentId: null };

/**
 * Writes audit entries without ever failing the action they describe: a failed write (or lookup) is
 * logged and swallowed, so a mutation that succeeded still succeeds.
 */
export interface AuditRecorder {
  /** The target's organization and environment (nulls when unknown or unreadable). */
  scopeOf(target: AuditTarget, environmentId: string | null): Promise<TargetScope>;
  record(entry: NewAuditEntry): Promise<void>;
}

export function createAuditRecorder(sql: Sql, logger: Logger): AuditRecorder {
  return {
    scopeOf: (target, environmentId) =>
      scopeOfTarget(sql, target, environmentId).catch((error: unknown) => {
        logger.error({ err: error, targetType: target.type }, 'audit: the target could not be looked up');
        return NO_SCOPE;
      }),
    record: (entry) =>
      recordAuditEntry(sql, entry).catch((error: unknown) => {
        logger.error(
          { err: error, action: entry.action, outcome: entry.outcome, requestId: entry.origin.requestId },
          'audit: the entry could not be written',
        );
      }),
  };
}

/** A request's origin as an entry keeps it: an IP only when it is one (allow-list), the rest as given. */
export function requestOrigin(ip: string | undefined, userAgent: string | undefined, requestId: string): RequestOrigin {
  return {
    ip: ip && isIP(ip) ? ip : null,
    userAgent: userAgent || null,
    requestId,
  };
}

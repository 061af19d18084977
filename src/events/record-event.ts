import type { EntityManager } from '@mikro-orm/core';

import type { EventDataMap, EventScope } from './event-types.js';
import { ProvisioningEvent } from './event.entity.js';

/**
 * Adds an event to the unit of work: it is inserted by the caller's next flush, in the same transaction
 * as the change it describes. Order among one transaction's events is the order of these calls.
 */
export function recordEvent<T extends keyof EventDataMap>(
  em: EntityManager,
  scope: EventScope,
  type: T,
  data: EventDataMap[T],
): void {
  em.create(ProvisioningEvent, {
    environmentId: scope.environmentId,
    organizationId: scope.organizationId,
    directoryId: scope.directoryId,
    type,
    data: data,
  });
}

import type { EntityManager, EntityName, FilterQuery, FindOneOptions, Loaded } from '@mikro-orm/core';

import { NotFoundError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';

/**
 * The one entity `where` selects, or NotFoundError(`kind`, `id`). An `id` that is no uuid is not found either,
 * without a query (PostgreSQL would reject it as a uuid). `where` scopes the lookup to the caller's own
 * environment, so an id of another tenant is just as not found.
 */
export async function findOneOrThrow<Entity extends object, Hint extends string = never>(
  em: EntityManager,
  entity: EntityName<Entity>,
  where: FilterQuery<Entity>,
  kind: string,
  id: string,
  options?: FindOneOptions<Entity, Hint>,
): Promise<Loaded<Entity, Hint>> {
  const found = isUuid(id) ? await em.findOne(entity, where, options) : null;
  if (!found) throw new NotFoundError(kind, id);
  return found;
}

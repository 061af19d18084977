import type { EntityManager, EntityName, FilterQuery, FindOneOptions, Loaded } from '@mikro-orm/core';

import { NotFoundError } from '../lib/errors.js';
import { isUuid } from '../lib/ids.js';

/**
 * What `find` finds for `id`, or NotFoundError(`kind`, `id`). An `id` that is no uuid is not found either,
 * without calling `find` (PostgreSQL would reject it as a uuid). `find` scopes the lookup to the caller's
 * directory or environment, so an id of another tenant is just as not found.
 */
export async function foundOrThrow<T>(kind: string, id: string, find: () => Promise<T | null | undefined>): Promise<T> {
  const found = isUuid(id) ? await find() : undefined;
  if (found === null || found === undefined) throw new NotFoundError(kind, id);
  return found;
}

/**
 * The one entity `where` selects, or NotFoundError(`kind`, `id`) ({@link foundOrThrow}).
 */
export async function findOneOrThrow<Entity extends object, Hint extends string = never>(
  em: EntityManager,
  entity: EntityName<Entity>,
  where: FilterQuery<Entity>,
  kind: string,
  id: string,
  options?: FindOneOptions<Entity, Hint>,
): Promise<Loaded<Entity, Hint>> {
  return foundOrThrow(kind, id, () => em.findOne(entity, where, options));
}

import { OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

import { newId } from '../lib/ids.js';

/** uuid v7 primary key plus timestamps; `Optional` names further properties that have defaults. */
export abstract class BaseEntity<Optional extends string = never> {
  [OptionalProps]?: 'id' | 'createdAt' | 'updatedAt' | Optional;

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

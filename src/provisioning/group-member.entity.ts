import { Entity, Index, ManyToOne, OptionalProps, Property, type Rel } from '@mikro-orm/core';

import type { DirectoryGroup } from './group.entity.js';
import type { DirectoryUser } from './user.entity.js';

/**
 * Membership of a user in a group; the pair is the primary key, so adding twice is a no-op.
 * Relations name their entities by string: the group entity refers back to this one (ESM import cycle).
 */
@Entity({ tableName: 'group_members' })
@Index({ properties: ['user'] })
export class GroupMember {
  [OptionalProps]?: 'createdAt';

  @ManyToOne({ entity: 'DirectoryGroup', primary: true, deleteRule: 'cascade' })
  group!: Rel<DirectoryGroup>;

  @ManyToOne({ entity: 'DirectoryUser', primary: true, deleteRule: 'cascade' })
  user!: Rel<DirectoryUser>;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}

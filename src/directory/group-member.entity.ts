import { Entity, Index, ManyToOne, OptionalProps, Property } from '@mikro-orm/core';
import { DirectoryGroup } from './group.entity.js';
import { DirectoryUser } from './user.entity.js';

/** Membership of a user in a group; the pair is the primary key, so adding twice is a no-op. */
@Entity({ tableName: 'group_members' })
@Index({ properties: ['user'] })
export class GroupMember {
  [OptionalProps]?: 'createdAt';

  @ManyToOne({ entity: () => DirectoryGroup, primary: true, deleteRule: 'cascade' })
  group!: DirectoryGroup;

  @ManyToOne({ entity: () => DirectoryUser, primary: true, deleteRule: 'cascade' })
  user!: DirectoryUser;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}

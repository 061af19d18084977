import { Collection, Entity, Index, ManyToMany, ManyToOne, Property } from '@mikro-orm/core';

import { BaseEntity } from '../db/base.entity.js';
import { Directory } from '../tenancy/directory.entity.js';
import { GroupMember } from './group-member.entity.js';
import { DirectoryUser } from './user.entity.js';

/** A group provisioned by a directory's IdP. displayName is unique per directory, case-insensitively (checked by the group service). */
@Entity({ tableName: 'directory_groups' })
@Index({ properties: ['directory', 'displayNameLower'] })
@Index({ properties: ['directory', 'externalId'] })
// Pages of a directory in id order (SCIM startIndex, GraphQL cursors) walk this index instead of sorting.
@Index({ properties: ['directory', 'id'] })
export class DirectoryGroup extends BaseEntity<'version' | 'externalId'> {
  @ManyToOne({ entity: () => Directory, deleteRule: 'cascade' })
  directory!: Directory;

  @Property({ type: 'text', nullable: true })
  externalId: string | null = null;

  @Property({ type: 'text' })
  displayName!: string;

  @Property({ type: 'text' })
  displayNameLower!: string;

  /** The SCIM resource as the IdP last wrote it (without id, meta and members: those live in group_members). */
  @Property({ type: 'json' })
  raw!: Record<string, unknown>;

  @Property({ type: 'integer', version: true })
  version: number = 1;

  /** For queries only (`{ members: userId }`); writes go through group.service set operations. */
  @ManyToMany({ entity: () => DirectoryUser, pivotEntity: () => GroupMember, owner: true })
  members = new Collection<DirectoryUser>(this);
}

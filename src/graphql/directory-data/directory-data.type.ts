import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

import { parseTimestamp } from '../../db/sql.js';
import type { GroupRow } from '../../provisioning/group.sql.js';
import { UserState } from '../../provisioning/user.entity.js';
import type { UserRow } from '../../provisioning/user.sql.js';
import { Connection } from '../connection.js';
import { DateTimeScalar, JSONObjectScalar } from '../scalars.js';

registerEnumType(UserState, {
  name: 'DirectoryUserState',
  description: 'inactive: deactivated in the IdP (SCIM active: false).',
});

/** Fields every provisioned resource has. */
@ObjectType('DirectoryResource')
abstract class DirectoryResourceNode {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  directoryId!: string;

  @Field(() => String, { nullable: true })
  externalId!: string | null;

  @Field(() => JSONObjectScalar, { description: 'The SCIM resource as the IdP last wrote it.' })
  raw!: Record<string, unknown>;

  @Field(() => Int, { description: 'Increases with every change.' })
  version!: number;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType('DirectoryUser', { description: 'A user provisioned by an IdP, normalized, with the raw SCIM resource.' })
export class DirectoryUserNode extends DirectoryResourceNode {
  @Field(() => String)
  userName!: string;

  @Field(() => String, { nullable: true, description: 'Primary (else work, else first) email, lower-case.' })
  email!: string | null;

  @Field(() => [String], { description: 'Every email address, lower-case.' })
  emails!: string[];

  @Field(() => String, { nullable: true })
  firstName!: string | null;

  @Field(() => String, { nullable: true })
  lastName!: string | null;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => UserState)
  state!: UserState;
}

@ObjectType('DirectoryGroup')
export class DirectoryGroupNode extends DirectoryResourceNode {
  @Field(() => String)
  displayName!: string;
}

@ObjectType()
export class DirectoryUserConnection extends Connection(DirectoryUserNode, 'DirectoryUser') {}

@ObjectType()
export class DirectoryGroupConnection extends Connection(DirectoryGroupNode, 'DirectoryGroup') {}

@InputType()
export class DirectoryUserFilter {
  @Field(() => UserState, { nullable: true })
  state?: UserState | null;

  @Field(() => String, { nullable: true, description: 'Exact email (case-insensitive).' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact userName (case-insensitive).' })
  userName?: string | null;

  @Field(() => String, { nullable: true, description: 'Substring of userName, email or displayName.' })
  search?: string | null;
}

@InputType()
export class DirectoryGroupFilter {
  @Field(() => String, { nullable: true, description: 'Exact displayName (case-insensitive).' })
  displayName?: string | null;

  @Field(() => String, { nullable: true, description: 'Substring of displayName.' })
  search?: string | null;
}

export function toDirectoryUserNode(user: UserRow): DirectoryUserNode {
  return {
    id: user.id,
    directoryId: user.directoryId,
    externalId: user.externalId,
    userName: user.userName,
    email: user.email,
    emails: user.emails,
    firstName: user.firstName,
    lastName: user.lastName,
    displayName: user.displayName,
    state: user.state,
    raw: user.raw,
    version: user.version,
    createdAt: parseTimestamp(user.createdAt),
    updatedAt: parseTimestamp(user.updatedAt),
  };
}

export function toDirectoryGroupNode(group: GroupRow): DirectoryGroupNode {
  return {
    id: group.id,
    directoryId: group.directoryId,
    externalId: group.externalId,
    displayName: group.displayName,
    raw: group.raw,
    version: group.version,
    createdAt: parseTimestamp(group.createdAt),
    updatedAt: parseTimestamp(group.updatedAt),
  };
}

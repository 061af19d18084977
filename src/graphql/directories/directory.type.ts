import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

import { DirectoryProvider, DirectoryState, type Directory } from '../../tenancy/directory.entity.js';
import { Connection } from '../connection.js';
import { DateTimeScalar } from '../scalars.js';

registerEnumType(DirectoryProvider, {
  name: 'DirectoryProvider',
  description: 'The identity provider on the other end.',
});
registerEnumType(DirectoryState, {
  name: 'DirectoryState',
  description: 'pending until the IdP first calls; inactive when switched off.',
});

@ObjectType('Directory', { description: 'One SCIM endpoint of an organization.' })
export class DirectoryNode {
  @Field(() => ID)
  id!: string;

  organizationId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => DirectoryProvider)
  provider!: DirectoryProvider;

  @Field(() => DirectoryState)
  state!: DirectoryState;

  @Field(() => String, { description: 'The SCIM base URL ("Tenant URL") to paste into the IdP.' })
  scimBaseUrl!: string;

  @Field(() => String, { description: 'First characters of the bearer token, to tell tokens apart.' })
  tokenPrefix!: string;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the IdP last called.' })
  lastSyncAt!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType()
export class DirectoryConnection extends Connection(DirectoryNode, 'Directory') {}

@ObjectType({ description: 'A directory with its SCIM bearer token; the token is shown only here, once.' })
export class DirectoryWithToken {
  @Field(() => DirectoryNode)
  directory!: DirectoryNode;

  @Field(() => String)
  token!: string;
}

@ObjectType()
export class DirectoryUpdateResult {
  @Field(() => DirectoryNode)
  directory!: DirectoryNode;

  @Field(() => String, {
    nullable: true,
    description: 'The new token when the provider changed (the old one stops working); otherwise null.',
  })
  token!: string | null;
}

export function scimBaseUrl(publicUrl: string, directoryId: string): string {
  return `${publicUrl}/scim/v2/${directoryId}`;
}

export function toDirectoryNode(directory: Directory, publicUrl: string): DirectoryNode {
  return {
    id: directory.id,
    organizationId: directory.organization.id,
    name: directory.name,
    provider: directory.provider,
    state: directory.state,
    scimBaseUrl: scimBaseUrl(publicUrl, directory.id),
    tokenPrefix: directory.tokenPrefix,
    lastSyncAt: directory.lastSyncAt,
    createdAt: directory.createdAt,
    updatedAt: directory.updatedAt,
  };
}

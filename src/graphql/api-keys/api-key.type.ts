import { Field, ID, ObjectType } from 'type-graphql';

import type { ApiKey } from '../../tenancy/api-key.entity.js';
import { Connection } from '../connection.js';
import { DateTimeScalar } from '../scalars.js';

@ObjectType('ApiKey')
export class ApiKeyNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: 'First characters of the secret, e.g. "dsk_sandbox_AbCd".' })
  prefix!: string;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Refreshed at most once a minute.' })
  lastUsedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType()
export class ApiKeyConnection extends Connection(ApiKeyNode, 'ApiKey') {}

@ObjectType({ description: 'A new API key and its secret; the secret is shown only here, once.' })
export class ApiKeyWithSecret {
  @Field(() => ApiKeyNode)
  apiKey!: ApiKeyNode;

  @Field(() => String)
  secret!: string;
}

export function toApiKeyNode(apiKey: ApiKey): ApiKeyNode {
  return {
    id: apiKey.id,
    name: apiKey.name,
    prefix: apiKey.prefix,
    lastUsedAt: apiKey.lastUsedAt,
    revokedAt: apiKey.revokedAt,
    createdAt: apiKey.createdAt,
  };
}

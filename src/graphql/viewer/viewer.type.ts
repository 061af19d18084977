import { Field, ID, ObjectType } from 'type-graphql';

import { ApiKeyNode } from '../api-keys/api-key.type.js';

@ObjectType('Environment')
export class EnvironmentNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: '"sandbox" or "production".' })
  name!: string;
}

@ObjectType({ description: 'The caller: an API key and the environment it belongs to.' })
export class Viewer {
  @Field(() => EnvironmentNode)
  environment!: EnvironmentNode;

  @Field(() => ApiKeyNode)
  apiKey!: ApiKeyNode;
}

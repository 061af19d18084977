import { Field, ID, ObjectType } from 'type-graphql';

import { AdminNode } from '../admins/admin.type.js';
import { ApiKeyNode } from '../api-keys/api-key.type.js';
import { OrganizationNode } from '../organizations/organization.type.js';

@ObjectType('Environment')
export class EnvironmentNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: '"sandbox" or "production".' })
  name!: string;
}

@ObjectType({
  description: 'The caller: an API key of an environment, or an admin of one organization (an admin session).',
})
export class Viewer {
  @Field(() => EnvironmentNode)
  environment!: EnvironmentNode;

  @Field(() => ApiKeyNode, { nullable: true, description: 'The API key calling; null for an admin.' })
  apiKey!: ApiKeyNode | null;

  @Field(() => AdminNode, { nullable: true, description: 'The admin calling; null for an API key.' })
  admin!: AdminNode | null;

  @Field(() => OrganizationNode, { nullable: true, description: "The admin's organization; null for an API key." })
  organization!: OrganizationNode | null;
}

import { Field, ID, ObjectType } from 'type-graphql';

import type { Organization } from '../../tenancy/organization.entity.js';
import { Connection } from '../connection.js';
import { DateTimeScalar, JSONObjectScalar } from '../scalars.js';

@ObjectType('Organization', { description: "The vendor's customer: a company whose IdP provisions users." })
export class OrganizationNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: 'Primary domain, unique within the environment.' })
  domain!: string | null;

  @Field(() => JSONObjectScalar, {
    description: "The vendor's own data about the organization; empty for the organization's admins.",
  })
  metadata!: Record<string, unknown>;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType()
export class OrganizationConnection extends Connection(OrganizationNode, 'Organization') {}

export function toOrganizationNode(organization: Organization): OrganizationNode {
  return {
    id: organization.id,
    name: organization.name,
    domain: organization.domain,
    metadata: organization.metadata,
    createdAt: organization.createdAt,
    updatedAt: organization.updatedAt,
  };
}

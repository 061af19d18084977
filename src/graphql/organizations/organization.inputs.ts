import { IsOptional, MaxLength, MinLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';

import { JSONObjectScalar } from '../scalars.js';

@InputType()
export class CreateOrganizationInput {
  @Field(() => String)
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @Field(() => String, { nullable: true, description: 'e.g. "acme.com"; stored lower-case.' })
  @IsOptional()
  @MaxLength(253)
  domain?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true })
  metadata?: Record<string, unknown> | null;
}

@InputType()
export class UpdateOrganizationInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(200)
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'null clears the domain; omit to keep it.' })
  @IsOptional()
  @MaxLength(253)
  domain?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Replaces the whole metadata object.' })
  metadata?: Record<string, unknown> | null;
}

@InputType()
export class OrganizationFilter {
  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the name.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact domain (case-insensitive).' })
  domain?: string | null;
}

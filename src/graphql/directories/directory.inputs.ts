import { IsOptional, MaxLength, MinLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';

import { DirectoryProvider, DirectoryState } from '../../tenancy/directory.entity.js';

@InputType()
export class CreateDirectoryInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => String)
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @Field(() => DirectoryProvider)
  provider!: DirectoryProvider;
}

@InputType()
export class UpdateDirectoryInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MinLength(1)
  @MaxLength(200)
  name?: string | null;

  @Field(() => DirectoryProvider, { nullable: true, description: 'Changing the provider issues a new token.' })
  provider?: DirectoryProvider | null;

  @Field(() => DirectoryState, {
    nullable: true,
    description: 'INACTIVE switches the SCIM endpoint off (requests get 403, data stays); ACTIVE switches it back on.',
  })
  state?: DirectoryState | null;
}

import { Field, ObjectType } from 'type-graphql';

import { DirectoryProvider } from '../../tenancy/directory.entity.js';

@ObjectType({ description: 'A value to copy into the identity provider, or an attribute to map.' })
export class SetupValue {
  @Field(() => String, { description: 'The IdP field (or the SCIM attribute, for a mapping).' })
  label!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType({ description: 'One step of a setup guide, in order.' })
export class SetupStep {
  @Field(() => String)
  title!: string;

  @Field(() => String, { description: "Markdown: where each value goes, in the IdP console's own words." })
  body!: string;

  @Field(() => [SetupValue])
  values!: readonly SetupValue[];
}

@ObjectType({
  description: 'How to connect an identity provider to a directory. The bearer token is never part of it.',
})
export class SetupGuide {
  @Field(() => DirectoryProvider)
  provider!: DirectoryProvider;

  @Field(() => String)
  title!: string;

  @Field(() => [SetupStep])
  steps!: readonly SetupStep[];
}

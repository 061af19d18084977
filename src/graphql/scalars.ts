export { GraphQLDateTime as DateTimeScalar, GraphQLJSONObject as JSONObjectScalar } from 'graphql-scalars';

import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

import type { ScimRequestLogRow } from '../../tenancy/scim-request-log.sql.js';
import { Connection } from '../connection.js';
import { DateTimeScalar } from '../scalars.js';

/** The HTTP methods a request log filter may name. */
export enum RequestLogMethod {
  GET = 'GET',
  POST = 'POST',
  PUT = 'PUT',
  PATCH = 'PATCH',
  DELETE = 'DELETE',
  HEAD = 'HEAD',
  OPTIONS = 'OPTIONS',
}

export enum RequestLogAuthFailure {
  MISSING = 'missing',
  MALFORMED = 'malformed',
  WRONG_TOKEN = 'wrong_token',
}

registerEnumType(RequestLogMethod, { name: 'RequestLogMethod' });
registerEnumType(RequestLogAuthFailure, {
  name: 'RequestLogAuthFailure',
  description:
    'Why a SCIM request failed authentication: MISSING (no Authorization: Bearer header), MALFORMED (not a ' +
    'dsync SCIM token), WRONG_TOKEN (a dsync token, but not one of this directory: revoked, rotated, or ' +
    "another directory's).",
});

@ObjectType('RequestLogEntry', {
  description:
    'One SCIM request to a directory, as recorded for diagnostics. Passwords and credential-like values in ' +
    'bodies and query strings read "[redacted]"; the Authorization header is never kept.',
})
export class RequestLogEntryNode {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar, { description: 'When the request arrived.' })
  createdAt!: Date;

  @Field(() => String)
  method!: string;

  @Field(() => String, { description: 'Path and query string (at most 2,048 characters).' })
  path!: string;

  @Field(() => Int)
  status!: number;

  @Field(() => String, { nullable: true })
  scimType!: string | null;

  @Field(() => String, { nullable: true, description: 'The detail of the SCIM error answered.' })
  errorDetail!: string | null;

  @Field(() => Int)
  durationMs!: number;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field(() => String, { nullable: true, description: 'The x-request-id of the request (also in the server log).' })
  requestId!: string | null;

  @Field(() => RequestLogAuthFailure, { nullable: true })
  authFailure!: RequestLogAuthFailure | null;

  @Field(() => String, { nullable: true, description: 'The JSON body received, redacted, at most 16 KiB.' })
  requestBody!: string | null;

  @Field(() => Boolean, { description: 'requestBody was cut at 16 KiB (it is then not valid JSON).' })
  requestBodyTruncated!: boolean;

  @Field(() => String, { nullable: true, description: 'The JSON body answered, redacted, at most 16 KiB.' })
  responseBody!: string | null;

  @Field(() => Boolean)
  responseBodyTruncated!: boolean;
}

@ObjectType()
export class RequestLogConnection extends Connection(RequestLogEntryNode, 'RequestLog') {}

@InputType()
export class RequestLogFilter {
  @Field(() => Int, { nullable: true, description: 'Exact HTTP status, 100 to 599.' })
  status?: number | null;

  @Field(() => RequestLogMethod, { nullable: true })
  method?: RequestLogMethod | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Requests that arrived at or after this time.' })
  since?: Date | null;

  @Field(() => Boolean, { nullable: true, description: 'Only requests answered with a status of 400 or more.' })
  errorsOnly?: boolean | null;
}

export function toRequestLogEntryNode(row: ScimRequestLogRow): RequestLogEntryNode {
  return { ...row, authFailure: row.authFailure as RequestLogAuthFailure | null };
}

import { Field, Int, ObjectType } from 'type-graphql';

import type { DirectoryCounts } from '../../provisioning/directory-counts.sql.js';
import type { DirectoryHealthRow } from '../../tenancy/directory-health.sql.js';
import { DateTimeScalar } from '../scalars.js';

const LOG_OFF =
  'While the SCIM request log is off (SCIM_REQUEST_LOG_SIZE=0) the request fields stay null and 0: they are ' +
  'written with the log. userCount and groupCount are always current.';

@ObjectType('DirectoryHealthError', { description: 'The SCIM error a directory answered last.' })
export class DirectoryHealthErrorNode {
  @Field(() => Int, { description: 'HTTP status, 400 or above (401: failed authentication; 429: rate limited).' })
  status!: number;

  @Field(() => String, { nullable: true, description: 'The SCIM error type, e.g. "uniqueness"; often null.' })
  scimType!: string | null;

  @Field(() => String, { nullable: true, description: 'The detail answered (at most 2,048 characters).' })
  detail!: string | null;
}

@ObjectType('DirectoryHealth', {
  description:
    "Whether a directory's IdP is connected and healthy: its latest SCIM requests, errors and size. Request " +
    "fields count every SCIM request to the directory's URLs, failed authentications included, and are " +
    `written within about a second. ${LOG_OFF}`,
})
export class DirectoryHealthNode {
  @Field(() => DateTimeScalar, { nullable: true, description: 'When the IdP last called (answered or not).' })
  lastRequestAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When a request was last answered 2xx or 3xx.' })
  lastSuccessAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When a request was last answered 400 or above.' })
  lastErrorAt!: Date | null;

  @Field(() => DirectoryHealthErrorNode, { nullable: true, description: 'The error answered at lastErrorAt.' })
  lastError!: DirectoryHealthErrorNode | null;

  @Field(() => Int, {
    description:
      'SCIM requests in the last 24 hours, counted per hour (UTC): the current hour and the 23 before it, so ' +
      'between 23 and 24 hours of traffic.',
  })
  requestsLast24h!: number;

  @Field(() => Int, { description: 'Of requestsLast24h, those answered 400 or above.' })
  errorsLast24h!: number;

  @Field(() => Int, { description: 'Users the directory holds now (active or not).' })
  userCount!: number;

  @Field(() => Int, { description: 'Groups the directory holds now.' })
  groupCount!: number;
}

export function toDirectoryHealthNode(health: DirectoryHealthRow, counts: DirectoryCounts): DirectoryHealthNode {
  return {
    lastRequestAt: health.lastRequestAt,
    lastSuccessAt: health.lastSuccessAt,
    lastErrorAt: health.lastErrorAt,
    lastError:
      health.lastErrorStatus === null
        ? null
        : { status: health.lastErrorStatus, scimType: health.lastErrorScimType, detail: health.lastErrorDetail },
    requestsLast24h: health.requests,
    errorsLast24h: health.errors,
    userCount: counts.users,
    groupCount: counts.groups,
  };
}

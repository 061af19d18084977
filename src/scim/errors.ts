import { asClientError } from '../lib/client-error.js';
import { isDomainError } from '../lib/errors.js';

/** RFC 7644 §3.12 error `scimType` values. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  /** The HTTP status, as a string (RFC 7644 §3.12). */
  status: string;
  scimType?: ScimType;
  detail: string;
}

/** A deliberate SCIM failure with its HTTP status and, where the RFC names one, its scimType. */
export class ScimError extends Error {
  override readonly name = 'ScimError';
  constructor(
    readonly status: number,
    detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
  }
}

/**
 * The one mapping from anything thrown while serving SCIM to an RFC 7644 §3.12 error; `undefined` for
 * errors that are not the client's (the router logs those and answers a generic 500).
 */
export function toScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  if (isDomainError(error)) {
    switch (error.code) {
      case 'not_found':
        return new ScimError(404, error.message);
      case 'conflict':
        return new ScimError(409, error.message, 'uniqueness');
      case 'invalid_input':
        return new ScimError(
          400,
          error.message,
          'field' in error && error.field === 'filter' ? 'invalidFilter' : 'invalidValue',
        );
      case 'forbidden':
        return new ScimError(403, error.message);
      case 'unauthenticated':
        return new ScimError(401, error.message);
      case 'precondition_failed':
        // RFC 7644 §3.12 names no scimType for 412 (invalidVers is about the protocol version, not an ETag).
        return new ScimError(412, error.message);
    }
  }
  const client = asClientError(error);
  if (client?.malformedJson)
    return new ScimError(400, `the request body is not valid JSON: ${client.message}`, 'invalidSyntax');
  if (client?.status === 413)
    return new ScimError(413, 'the request body is larger than 1 MiB (maxPayloadSize: 1048576 bytes)', 'tooMany');
  if (client) return new ScimError(client.status, client.message);
  return undefined;
}

export function toScimErrorBody(error: ScimError): ScimErrorBody {
  return {
    schemas: [SCIM_ERROR_SCHEMA],
    status: String(error.status),
    ...(error.scimType ? { scimType: error.scimType } : {}),
    detail: error.message,
  };
}

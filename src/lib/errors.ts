/** Domain failures; each adapter maps `code` to its own wire format in exactly one place. */
export type DomainErrorCode =
  'not_found' | 'conflict' | 'invalid_input' | 'forbidden' | 'unauthenticated' | 'expired' | 'precondition_failed';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

export class NotFoundError extends DomainError {
  override readonly name = 'NotFoundError';
  readonly code = 'not_found';
  constructor(resource: string, id: string) {
    super(`${resource} ${JSON.stringify(id)} not found`);
  }
}

export class ConflictError extends DomainError {
  override readonly name = 'ConflictError';
  readonly code = 'conflict';
}

export class InvalidInputError extends DomainError {
  override readonly name = 'InvalidInputError';
  readonly code = 'invalid_input';
  constructor(
    message: string,
    /** The input field at fault, e.g. `domain`. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  override readonly name = 'ForbiddenError';
  readonly code = 'forbidden';
}

export class UnauthenticatedError extends DomainError {
  override readonly name = 'UnauthenticatedError';
  readonly code = 'unauthenticated';
}

/** A resume cursor that points past the retention window: the events after it are gone. */
export class ExpiredError extends DomainError {
  override readonly name = 'ExpiredError';
  readonly code = 'expired';
}

/** A write that names the versions it may apply to (an ETag precondition) found the resource at another one. */
export class PreconditionFailedError extends DomainError {
  override readonly name = 'PreconditionFailedError';
  readonly code = 'precondition_failed';
  constructor(resource: string, id: string, currentVersion: number) {
    super(
      `${resource} ${JSON.stringify(id)} has changed: it is at version ${currentVersion} now, ` +
        'not at a version the request names; read it again and retry',
    );
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** Domain failures; each adapter maps `code` to its own wire format in exactly one place. */
export type DomainErrorCode = 'not_found' | 'conflict' | 'invalid_input' | 'forbidden' | 'unauthenticated' | 'expired';

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

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

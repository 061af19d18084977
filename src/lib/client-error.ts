/** A 4xx error as http-errors, raw-body and co-body throw them (body too large, malformed JSON, …). */
export interface ClientError {
  readonly status: number;
  readonly message: string;
  /** The body was not valid JSON. */
  readonly malformedJson: boolean;
}

export function asClientError(error: unknown): ClientError | undefined {
  if (!(error instanceof Error) || !('status' in error) || typeof error.status !== 'number') return undefined;
  if (error.status < 400 || error.status >= 500) return undefined;
  const malformedJson = error instanceof SyntaxError || ('type' in error && error.type === 'entity.parse.failed');
  return { status: error.status, message: error.message, malformedJson };
}

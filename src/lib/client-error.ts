/** A 4xx error as http-errors, raw-body and co-body throw them (body too large, malformed JSON, …). */
export interface ClientError {
  readonly status: number;
  readonly message: string;
  /** The body was not valid JSON. */
  readonly malformedJson: boolean;
}

/** zlib's error codes for a body whose Content-Encoding (gzip, deflate, br) does not match its bytes. */
const UNDECODABLE = /^(Z_[A-Z_]+|ERR_BROTLI_[A-Z_]+|ERR__ERROR_[A-Z0-9_]+)$/;

export function asClientError(error: unknown): ClientError | undefined {
  // Duck-typed: node's zlib errors need not be instances of this realm's Error.
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && UNDECODABLE.test(code)) {
    return { status: 400, message: 'the body does not match its Content-Encoding', malformedJson: false };
  }
  if (!(error instanceof Error) || !('status' in error) || typeof error.status !== 'number') return undefined;
  if (error.status < 400 || error.status >= 500) return undefined;
  const malformedJson = error instanceof SyntaxError || ('type' in error && error.type === 'entity.parse.failed');
  return { status: error.status, message: error.message, malformedJson };
}

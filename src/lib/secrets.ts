import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Characters of a secret kept in clear so people can tell secrets apart ("dsk_sandbox_AbCd…"). */
const DISPLAY_PREFIX_RANDOM_CHARS = 4;

export interface IssuedSecret {
  /** The plaintext: shown to the caller once, never stored. */
  readonly plaintext: string;
  /** SHA-256 of the plaintext, hex; what the database keeps. */
  readonly hash: string;
  /** A short, harmless prefix for display. */
  readonly displayPrefix: string;
}

/** A fresh secret `<prefix><43 chars of base64url>` carrying 256 bits of randomness. */
export function issueSecret(prefix: string): IssuedSecret {
  const plaintext = `${prefix}${randomBytes(32).toString('base64url')}`;
  return {
    plaintext,
    hash: hashSecret(plaintext),
    displayPrefix: plaintext.slice(0, prefix.length + DISPLAY_PREFIX_RANDOM_CHARS),
  };
}

export function hashSecret(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex SHA-256 digests (always equal length, so no length leak). */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Extracts the credential from an `Authorization: Bearer <token>` header value. */
export function parseBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

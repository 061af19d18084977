import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

const KEY_BYTES = 32;

/** Parses a 256-bit key given as 64 hex characters or as base64 (44 characters). */
export function parseEncryptionKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) throw new Error('must be 32 bytes: 64 hex characters or 44 base64 characters');
  return key;
}

/** Short, non-secret identifier of a key, stored with each ciphertext so rotation knows what to re-encrypt. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Secrets at rest: AES-256-GCM with a random 96-bit IV per value. Format: `v1.<key id>.<iv>.<tag>.<ciphertext>`
 * (base64url parts). `previous` keys only decrypt, so a rotated key can still read old values.
 */
export class SecretBox {
  private readonly currentId: string;
  private readonly keys: Map<string, Buffer>;

  constructor(
    private readonly key: Buffer,
    previous: readonly Buffer[] = [],
  ) {
    this.currentId = keyId(key);
    this.keys = new Map([...previous, key].map((k) => [keyId(k), k]));
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v1',
      this.currentId,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  decrypt(sealed: string): string {
    const [version, id, iv, tag, ciphertext] = sealed.split('.');
    const key = id ? this.keys.get(id) : undefined;
    if (version !== 'v1' || !key || !iv || !tag || ciphertext === undefined)
      throw new Error('secret was sealed with an unknown key or format');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Whether a sealed value was made with an older key (and should be sealed again). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.currentId;
  }
}

/**
 * The key in `<dataDir>/encryption.key`, created (0600) on first use: the zero-configuration default. Safe
 * when several processes start at once on one DATA_DIR: the file appears complete (hard link) or not at all,
 * and whoever comes second reads the first one's key.
 */
export async function loadOrCreateKeyFile(dataDir: string): Promise<Buffer> {
  const file = path.join(dataDir, 'encryption.key');
  const existing = await readKeyFile(file);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(KEY_BYTES);
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(draft, 0o600);
    await link(draft, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return (await readKeyFile(file)) ?? key;
  } finally {
    await unlink(draft);
  }
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return parseEncryptionKey(text);
  } catch (error) {
    throw new Error(`${file} holds no valid key: ${(error as Error).message}`);
  }
}

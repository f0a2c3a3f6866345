// Tokens encrypted at rest (design.md 4): AES-256-GCM per token field, an envelope naming the key,
// additional authenticated data binding the ciphertext to its grant and field, and a keyring so keys
// rotate by prepending (the first encrypts, all decrypt).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { OclcConfigError } from '../core/errors.js';

export interface TokenKey {
  /** Short id stored in every envelope: letters, digits, `_` and `-`. */
  id: string;
  /** 32 bytes: a Buffer, or base64 / base64url / hex text. */
  key: string | Uint8Array;
}

const ENVELOPE = /^v1\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{22})$/;

function keyBytes(key: string | Uint8Array, id: string): Buffer {
  let bytes: Buffer;
  if (typeof key !== 'string') bytes = Buffer.from(key);
  else if (/^[0-9a-fA-F]{64}$/.test(key)) bytes = Buffer.from(key, 'hex');
  else bytes = Buffer.from(key, key.includes('-') || key.includes('_') ? 'base64url' : 'base64');
  if (bytes.length !== 32) {
    throw new OclcConfigError(
      `token encryption key ${id} must be 32 bytes (base64, base64url or hex)`,
      'encryptionKeys',
    );
  }
  return bytes;
}

/** A key derived from a secret the replicas already share (the session secret, say). */
export function deriveTokenKey(secret: string, id = 'derived'): TokenKey {
  if (secret.length < 32)
    throw new OclcConfigError('deriveTokenKey needs a secret of at least 32 characters', 'secret');
  const key = Buffer.from(hkdfSync('sha256', secret, 'oclc-auth-express', 'token encryption v1', 32));
  return { id, key };
}

/** Thrown (and caught by the stores) when a value cannot be decrypted: unknown key, bad tag. */
export class TokenDecryptError extends Error {}

export class TokenCipher {
  readonly #keys: Map<string, Buffer>;
  readonly #current: string;

  constructor(keys: readonly TokenKey[]) {
    if (keys.length === 0)
      throw new OclcConfigError('at least one token encryption key is needed', 'encryptionKeys');
    this.#keys = new Map();
    for (const { id, key } of keys) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id))
        throw new OclcConfigError('token key ids are 1–32 letters, digits, _ or -', 'encryptionKeys');
      if (this.#keys.has(id))
        throw new OclcConfigError(`token key id ${id} is given twice`, 'encryptionKeys');
      this.#keys.set(id, keyBytes(key, id));
    }
    this.#current = keys[0]!.id;
  }

  /** Encrypts `plaintext` for `context` (e.g. `<grantId>\naccessToken`). */
  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.#current)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `v1.${this.#current}.${iv.toString('base64url')}.${data.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
  }

  /** Decrypts an envelope made for the same `context`; TokenDecryptError otherwise. */
  decrypt(envelope: string, context: string): string {
    const m = ENVELOPE.exec(envelope);
    if (!m) throw new TokenDecryptError('not a token envelope');
    const key = this.#keys.get(m[1]!);
    if (!key) throw new TokenDecryptError('unknown key id');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(m[2]!, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(m[4]!, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(m[3]!, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new TokenDecryptError('authentication failed');
    }
  }
}

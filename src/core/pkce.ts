// `state` values and PKCE S256 pairs (RFC 7636), from injectable randomness.
import { createHash } from 'node:crypto';
import { base64url, type RandomBytes, systemRandom } from './clock.js';

export interface PkcePair {
  /** Kept server-side until the code exchange. Secret. */
  verifier: string;
  challenge: string;
  method: 'S256';
}

/** A fresh `state`: 256 random bits, base64url. */
export function createState(randomBytes: RandomBytes = systemRandom): string {
  return base64url(randomBytes(32));
}

export function computeCodeChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A verifier of 43 characters (32 random bytes) and its S256 challenge. */
export function createPkce(randomBytes: RandomBytes = systemRandom): PkcePair {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: computeCodeChallenge(verifier), method: 'S256' };
}

/** RFC 7636 4.1: 43–128 characters from the unreserved set. */
export function isValidCodeVerifier(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9\-._~]{43,128}$/.test(value);
}

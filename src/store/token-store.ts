// Where user grants live, outside the session blob (design.md 5): a versioned record per grant,
// written with compare-and-set, plus short locks so one replica refreshes at a time.
import type { TokenCacheStore } from '../core/token-cache.js';
import type { TokenRecord } from '../core/token-record.js';

/** Who signed in: what the session may know about the user (no tokens). */
export interface GrantUser {
  principalId: string | null;
  principalIdns: string | null;
  authenticatingInstitutionId: string | null;
  contextInstitutionId: string | null;
}

export interface GrantData {
  record: TokenRecord;
  user: GrantUser;
  /** Epoch ms of the sign-in. */
  createdAt: number;
}

export interface StoredGrant extends GrantData {
  /** Incremented by every write; compare-and-set compares it. */
  version: number;
}

export interface TokenStore {
  readGrant(grantId: string): Promise<StoredGrant | null>;
  /**
   * Writes a grant if its version is still `expectedVersion` (`null`: only if it does not exist).
   * Returns the stored grant with its new version, or null when another writer got there first.
   */
  writeGrant(
    grantId: string,
    data: GrantData,
    expectedVersion: number | null,
    ttlMs: number,
  ): Promise<StoredGrant | null>;
  deleteGrant(grantId: string): Promise<void>;
  /** A lock owned by the returned token, or null when someone else holds it. */
  acquireLock(name: string, ttlMs: number): Promise<string | null>;
  /** Releases the lock only if `owner` still holds it. */
  releaseLock(name: string, owner: string): Promise<void>;
  /** The cache of application (client-credentials) tokens, shared like the grants. */
  readonly appTokens: TokenCacheStore;
  /** Resolves when the store answers (readiness). */
  ping(): Promise<void>;
}

/** How long a grant is kept: until its refresh token runs out, else its access token. */
export function grantTtlMs(record: TokenRecord, now: number): number {
  const until = record.refreshToken
    ? (record.refreshTokenExpiresAt ?? now + 7 * 24 * 3600 * 1000)
    : record.expiresAt;
  return Math.max(1000, until - now);
}

// Everything the simulated OCLC remembers: codes, tokens and their families, nonces, failed
// authentications, request caps and counters. In memory, swept as it expires.
import { randomBytes } from 'node:crypto';
import type { Principal } from '../core/hmac.js';

export interface Grant {
  clientId: string;
  scopes: string[];
  authenticatingInstitutionId: string;
  contextInstitutionId: string;
  principal: Principal | null;
}

export interface CodeEntry extends Grant {
  redirectUri: string;
  codeChallenge: string | null;
  expiresAt: number;
  used: boolean;
  familyId: string | null;
}

export interface AccessTokenEntry extends Grant {
  expiresAt: number;
  familyId: string | null;
  revoked: boolean;
}

export interface RefreshTokenEntry extends Grant {
  expiresAt: number;
  familyId: string;
  used: boolean;
  revoked: boolean;
}

interface Family {
  revoked: boolean;
  accessTokens: Set<string>;
  refreshTokens: Set<string>;
}

export interface IssuedTokens {
  accessToken: string;
  access: AccessTokenEntry;
  refreshToken: string | null;
  refresh: RefreshTokenEntry | null;
}

type Outcome = 'ok' | 'failed';

export interface SimulatorStats {
  tokenRequests: Record<string, Record<Outcome, number>>;
  apiRequests: Record<string, number>;
  hmacRefusals: number;
  lockouts: number;
  familiesRevoked: number;
  rateLimited: number;
  faultsInjected: number;
  live: { codes: number; accessTokens: number; refreshTokens: number; nonces: number };
}

function token(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

/** Hits in a rolling window, in buckets, with a running total (no per-request scans). */
class RollingCounter {
  readonly #buckets = new Map<number, number>();
  #total = 0;
  constructor(
    readonly windowMs: number,
    readonly bucketMs: number,
  ) {}

  hit(now: number, cap: number): { allowed: boolean; retryAfterSeconds: number } {
    const current = Math.floor(now / this.bucketMs);
    const oldestKept = current - Math.ceil(this.windowMs / this.bucketMs) + 1;
    for (const [bucket, count] of this.#buckets) {
      if (bucket < oldestKept) {
        this.#buckets.delete(bucket);
        this.#total -= count;
      }
    }
    if (this.#total >= cap) {
      const oldest = Math.min(...this.#buckets.keys());
      const freeAt = (oldest + Math.ceil(this.windowMs / this.bucketMs)) * this.bucketMs;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now) / 1000)) };
    }
    this.#buckets.set(current, (this.#buckets.get(current) ?? 0) + 1);
    this.#total += 1;
    return { allowed: true, retryAfterSeconds: 0 };
  }
}

export interface Lifetimes {
  accessTokenSeconds: number;
  refreshTokenSeconds: number;
  codeSeconds: number;
}

export class SimulatorState {
  readonly codes = new Map<string, CodeEntry>();
  readonly accessTokens = new Map<string, AccessTokenEntry>();
  readonly refreshTokens = new Map<string, RefreshTokenEntry>();
  readonly #families = new Map<string, Family>();
  readonly #nonces = new Map<string, number>();
  readonly #failures = new Map<string, number[]>();
  readonly #locked = new Set<string>();
  readonly #caps = new Map<string, RollingCounter>();
  #stats = SimulatorState.#emptyStats();
  #issued = 0;

  constructor(
    readonly clock: () => number,
    public lifetimes: Lifetimes,
    readonly limits: {
      lockoutFailures: number;
      lockoutWindowMs: number;
      requestCap: number;
      requestCapWindowMs: number;
      nonceWindowMs: number;
    },
  ) {}

  static #emptyStats(): Omit<SimulatorStats, 'live'> {
    return {
      tokenRequests: {},
      apiRequests: {},
      hmacRefusals: 0,
      lockouts: 0,
      familiesRevoked: 0,
      rateLimited: 0,
      faultsInjected: 0,
    };
  }

  // ---- codes ----

  issueCode(entry: Omit<CodeEntry, 'expiresAt' | 'used' | 'familyId'>): string {
    const code = token('auth');
    this.codes.set(code, {
      ...entry,
      expiresAt: this.clock() + this.lifetimes.codeSeconds * 1000,
      used: false,
      familyId: null,
    });
    this.#maybeSweep();
    return code;
  }

  // ---- tokens ----

  /** `newFamily` starts a family even without a refresh token (a code's tokens, revocable on reuse). */
  issueTokens(
    grant: Grant,
    options: { refresh: boolean; familyId?: string; newFamily?: boolean },
  ): IssuedTokens {
    const now = this.clock();
    let familyId = options.familyId ?? null;
    if ((options.refresh || options.newFamily) && !familyId) {
      familyId = token('fam');
      this.#families.set(familyId, { revoked: false, accessTokens: new Set(), refreshTokens: new Set() });
    }
    const accessToken = token('tk');
    const access: AccessTokenEntry = {
      ...grant,
      expiresAt: now + this.lifetimes.accessTokenSeconds * 1000,
      familyId,
      revoked: false,
    };
    this.accessTokens.set(accessToken, access);
    let refreshToken: string | null = null;
    let refresh: RefreshTokenEntry | null = null;
    if (familyId) {
      const family = this.#families.get(familyId)!;
      family.accessTokens.add(accessToken);
      if (options.refresh) {
        refreshToken = token('rt');
        refresh = {
          ...grant,
          expiresAt: now + this.lifetimes.refreshTokenSeconds * 1000,
          familyId,
          used: false,
          revoked: false,
        };
        this.refreshTokens.set(refreshToken, refresh);
        family.refreshTokens.add(refreshToken);
      }
    }
    this.#maybeSweep();
    return { accessToken, access, refreshToken, refresh };
  }

  /** Revokes every token of a family (refresh-token reuse, code reuse). */
  revokeFamily(familyId: string | null): void {
    if (!familyId) return;
    const family = this.#families.get(familyId);
    if (!family || family.revoked) return;
    family.revoked = true;
    this.#stats.familiesRevoked += 1;
    for (const t of family.accessTokens) {
      const entry = this.accessTokens.get(t);
      if (entry) entry.revoked = true;
    }
    for (const t of family.refreshTokens) {
      const entry = this.refreshTokens.get(t);
      if (entry) entry.revoked = true;
    }
  }

  /** Revokes one token (access or refresh); a refresh token takes its family with it. */
  revoke(value: string): boolean {
    const access = this.accessTokens.get(value);
    if (access) {
      access.revoked = true;
      return true;
    }
    const refresh = this.refreshTokens.get(value);
    if (refresh) {
      refresh.revoked = true;
      this.revokeFamily(refresh.familyId);
      return true;
    }
    return false;
  }

  revokeAccessTokens(): void {
    for (const entry of this.accessTokens.values()) entry.revoked = true;
  }

  revokeAll(): void {
    for (const entry of this.accessTokens.values()) entry.revoked = true;
    for (const entry of this.refreshTokens.values()) entry.revoked = true;
  }

  /** A live access token, or null when unknown, expired or revoked. */
  liveAccessToken(value: string): AccessTokenEntry | null {
    const entry = this.accessTokens.get(value);
    if (!entry || entry.revoked || entry.expiresAt <= this.clock()) return null;
    return entry;
  }

  // ---- HMAC nonces ----

  /** Records a nonce; false when it was already used inside the window. */
  useNonce(clientId: string, nonce: string): boolean {
    const key = `${clientId}\n${nonce}`;
    const now = this.clock();
    const seen = this.#nonces.get(key);
    if (seen !== undefined && seen > now) return false;
    this.#nonces.set(key, now + this.limits.nonceWindowMs);
    if (this.#nonces.size > 10_000) {
      for (const [k, until] of this.#nonces) if (until <= now) this.#nonces.delete(k);
    }
    return true;
  }

  // ---- lock-out after failed client authentication ----

  isLocked(clientId: string): boolean {
    return this.#locked.has(clientId);
  }

  /** Counts a failed authentication; true when this one locked the key. */
  authFailed(clientId: string): boolean {
    const now = this.clock();
    const recent = (this.#failures.get(clientId) ?? []).filter((t) => t > now - this.limits.lockoutWindowMs);
    recent.push(now);
    this.#failures.set(clientId, recent);
    if (recent.length >= this.limits.lockoutFailures && !this.#locked.has(clientId)) {
      this.#locked.add(clientId);
      this.#stats.lockouts += 1;
      return true;
    }
    return false;
  }

  // ---- request cap ----

  countRequest(clientId: string): { allowed: boolean; retryAfterSeconds: number } {
    let counter = this.#caps.get(clientId);
    if (!counter) {
      const windowMs = this.limits.requestCapWindowMs;
      counter = new RollingCounter(windowMs, Math.max(1000, Math.floor(windowMs / 1440)));
      this.#caps.set(clientId, counter);
    }
    const result = counter.hit(this.clock(), this.limits.requestCap);
    if (!result.allowed) this.#stats.rateLimited += 1;
    return result;
  }

  // ---- counters ----

  countToken(grant: string, outcome: Outcome): void {
    const byGrant = this.#stats.tokenRequests[grant] ?? { ok: 0, failed: 0 };
    byGrant[outcome] += 1;
    this.#stats.tokenRequests[grant] = byGrant;
  }

  countApi(status: number): void {
    this.#stats.apiRequests[status] = (this.#stats.apiRequests[status] ?? 0) + 1;
  }

  countHmacRefusal(): void {
    this.#stats.hmacRefusals += 1;
  }

  countFault(): void {
    this.#stats.faultsInjected += 1;
  }

  stats(): SimulatorStats {
    return {
      ...structuredClone(this.#stats),
      live: {
        codes: this.codes.size,
        accessTokens: this.accessTokens.size,
        refreshTokens: this.refreshTokens.size,
        nonces: this.#nonces.size,
      },
    };
  }

  /** Forgets everything: tokens, codes, lock-outs, caps, counters. */
  reset(): void {
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.#families.clear();
    this.#nonces.clear();
    this.#failures.clear();
    this.#locked.clear();
    this.#caps.clear();
    this.#stats = SimulatorState.#emptyStats();
  }

  // Expired entries are dropped every so often so a long soak stays flat. Spent refresh tokens are
  // kept until they expire: reuse detection needs them.
  #maybeSweep(): void {
    this.#issued += 1;
    if (this.#issued % 500 !== 0) return;
    const now = this.clock();
    for (const [k, v] of this.codes) if (v.expiresAt <= now) this.codes.delete(k);
    for (const [k, v] of this.accessTokens) if (v.expiresAt <= now) this.accessTokens.delete(k);
    for (const [k, v] of this.refreshTokens) {
      if (v.expiresAt <= now) {
        this.refreshTokens.delete(k);
        const family = this.#families.get(v.familyId);
        family?.refreshTokens.delete(k);
      }
    }
    for (const [k, family] of this.#families) {
      for (const t of family.accessTokens) if (!this.accessTokens.has(t)) family.accessTokens.delete(t);
      if (family.accessTokens.size === 0 && family.refreshTokens.size === 0) this.#families.delete(k);
    }
  }
}

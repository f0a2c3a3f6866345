// Keeps a user's grant fresh (design.md 5): refresh ahead of expiry, one refresh per grant at a time
// in a process (a shared promise) and across processes (a short lock, then a re-read), and on
// invalid_grant a re-read before deciding the user must sign in again.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OclcClient } from '../core/client.js';
import { OclcAuthError, OclcError, OclcNetworkError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { canRefresh, isExpired, type TokenRecord } from '../core/token-record.js';
import { type GrantUser, grantTtlMs, type StoredGrant, type TokenStore } from './token-store.js';

export function loginRequired(reason: string): OclcError {
  return new OclcError(`Sign in again: ${reason}`, { code: 'OCLC_LOGIN_REQUIRED', status: 401 });
}

export interface GrantManagerOptions {
  client: OclcClient;
  store: TokenStore;
  /** Refresh this many seconds before expiry (at most half the token's lifetime). Default 60. */
  leewaySeconds?: number;
  /** Lifetime of the cross-process refresh lock. Default: the client's total timeout + 2 s. */
  lockTtlMs?: number;
  /** How often a process waiting on another's refresh re-reads the grant. Default 50 ms. */
  pollMs?: number;
  /**
   * How long a grant read on the request path may be reused in this process. Refresh decisions
   * always re-read the store, so a stale copy can at worst present an access token a sibling has
   * just replaced (an API 401 then forces a re-read). Default 1000 ms; 0 turns it off.
   */
  cacheMs?: number;
  /** Most grants kept in that cache. Default 10,000. */
  cacheSize?: number;
}

export interface FreshOptions {
  /** Refresh even if not expired — after an API said 401 to `staleAccessToken`. */
  force?: boolean;
  staleAccessToken?: string;
}

export function userOf(record: TokenRecord): GrantUser {
  return {
    principalId: record.principalId,
    principalIdns: record.principalIdns,
    authenticatingInstitutionId: record.authenticatingInstitutionId,
    contextInstitutionId: record.contextInstitutionId,
  };
}

export class GrantManager {
  readonly client: OclcClient;
  readonly store: TokenStore;
  readonly #leewayMs: number;
  readonly #lockTtlMs: number;
  readonly #pollMs: number;
  readonly #inflight = new Map<string, Promise<StoredGrant>>();
  readonly #cache = new Map<string, { grant: StoredGrant; until: number }>();
  readonly #cacheMs: number;
  readonly #cacheSize: number;
  readonly #log = createLogger('refresh');

  constructor(options: GrantManagerOptions) {
    this.client = options.client;
    this.store = options.store;
    this.#leewayMs = (options.leewaySeconds ?? 60) * 1000;
    this.#lockTtlMs = options.lockTtlMs ?? options.client.timeouts.total + 2000;
    this.#pollMs = options.pollMs ?? 50;
    this.#cacheMs = options.cacheMs ?? 1000;
    this.#cacheSize = options.cacheSize ?? 10_000;
  }

  /** Refreshes in flight in this process (for health and soak reports). */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** Stores a new grant under a fresh random id. */
  async create(record: TokenRecord): Promise<{ grantId: string; grant: StoredGrant }> {
    const grantId = randomBytes(18).toString('base64url');
    const now = this.client.clock();
    const grant = await this.store.writeGrant(
      grantId,
      { record, user: userOf(record), createdAt: now },
      null,
      grantTtlMs(record, now),
    );
    if (!grant)
      throw new OclcError('Could not store the grant', {
        code: 'OCLC_STORE_UNAVAILABLE',
        status: 503,
        retryAfterSeconds: 1,
      });
    return { grantId, grant };
  }

  /** The grant as the request path sees it: from the short in-process cache, else the store. */
  async read(grantId: string): Promise<StoredGrant | null> {
    const hit = this.#cache.get(grantId);
    if (hit && hit.until > Date.now()) return hit.grant;
    return this.#remember(grantId, await this.store.readGrant(grantId));
  }

  async delete(grantId: string): Promise<void> {
    this.#cache.delete(grantId);
    await this.store.deleteGrant(grantId);
  }

  /** Grants in the request-path cache (for soak reports). */
  get cached(): number {
    return this.#cache.size;
  }

  #remember(grantId: string, grant: StoredGrant | null): StoredGrant | null {
    this.#cache.delete(grantId);
    if (!grant || this.#cacheMs <= 0) return grant;
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(grantId, { grant, until: Date.now() + this.#cacheMs });
    return grant;
  }

  /** The grant with a usable access token, refreshing it when due; OCLC_LOGIN_REQUIRED when it cannot be. */
  async fresh(grantId: string, options: FreshOptions = {}): Promise<StoredGrant> {
    const grant = await this.read(grantId);
    if (!grant) throw loginRequired('the session has ended');
    if (!this.#due(grant, options)) return grant;
    const shared = await this.#singleFlight(grantId, options);
    // A flight started by someone else may not have been forced; if this caller still holds the
    // refused token, it goes once more.
    return this.#due(shared, options) ? this.#singleFlight(grantId, options) : shared;
  }

  #singleFlight(grantId: string, options: FreshOptions): Promise<StoredGrant> {
    let pending = this.#inflight.get(grantId);
    if (!pending) {
      pending = this.#refresh(grantId, options)
        .then((grant) => this.#remember(grantId, grant)!)
        .catch((err: unknown) => {
          this.#cache.delete(grantId);
          throw err;
        })
        .finally(() => this.#inflight.delete(grantId));
      this.#inflight.set(grantId, pending);
    }
    return pending;
  }

  #due(grant: StoredGrant, options: FreshOptions): boolean {
    if (options.force)
      return options.staleAccessToken === undefined || grant.record.accessToken === options.staleAccessToken;
    const record = grant.record;
    // Never refresh more than halfway through a token's life, however large the leeway.
    const leeway = Math.min(this.#leewayMs, (record.expiresAt - record.receivedAt) / 2);
    return isExpired(record, { leewaySeconds: leeway / 1000, now: this.client.clock() });
  }

  async #refresh(grantId: string, options: FreshOptions): Promise<StoredGrant> {
    const deadline = this.client.clock() + this.#lockTtlMs;
    for (;;) {
      const current = await this.store.readGrant(grantId);
      if (!current) throw loginRequired('the session has ended');
      if (!this.#due(current, options)) return current;
      if (!canRefresh(current.record, this.client.clock())) {
        if (!isExpired(current.record, { now: this.client.clock() })) return current;
        throw loginRequired('the access token expired and cannot be refreshed');
      }
      const owner = await this.store.acquireLock(grantId, this.#lockTtlMs);
      if (owner) {
        try {
          return await this.#refreshLocked(grantId, options);
        } finally {
          await this.store.releaseLock(grantId, owner).catch(() => {});
        }
      }
      // Another process is refreshing: wait for its result rather than spend the refresh token twice.
      if (this.client.clock() >= deadline) {
        if (!isExpired(current.record, { now: this.client.clock() })) return current;
        throw new OclcError('Token refresh is taking too long', {
          code: 'OCLC_AUTH_UNAVAILABLE',
          status: 503,
          retryAfterSeconds: Math.ceil(this.#lockTtlMs / 1000),
        });
      }
      await sleep(this.#pollMs);
    }
  }

  /**
   * One refresh call, and one more if the answer was lost on the way: if OCLC had not seen the
   * first, the second works; if it had (and rotated), the second is refused and the user signs in
   * again — never a loop.
   */
  async #refreshOnce(record: TokenRecord): Promise<TokenRecord> {
    try {
      return await this.client.refresh(record);
    } catch (err) {
      if (!(err instanceof OclcNetworkError)) throw err;
      this.#log('refresh answer lost; trying once more', err.code);
      return this.client.refresh(record);
    }
  }

  async #refreshLocked(grantId: string, options: FreshOptions): Promise<StoredGrant> {
    // Re-read under the lock: a sibling may have refreshed while this one waited for it.
    const current = await this.store.readGrant(grantId);
    if (!current) throw loginRequired('the session has ended');
    if (!this.#due(current, options)) return current;
    let record: TokenRecord;
    try {
      this.#log('refreshing grant', grantId.slice(0, 6));
      record = await this.#refreshOnce(current.record);
    } catch (err) {
      if (err instanceof OclcAuthError && err.code === 'OCLC_AUTH_REJECTED') {
        const again = await this.store.readGrant(grantId);
        if (again && again.version !== current.version) return again;
        this.#log('refresh refused by OCLC; signing out', err.oauthError ?? err.status);
        await this.delete(grantId);
        throw loginRequired('OCLC no longer accepts the refresh token');
      }
      // OCLC trouble: the old token keeps working while it is valid.
      if (!isExpired(current.record, { now: this.client.clock() })) return current;
      throw err;
    }
    const now = this.client.clock();
    const written = await this.store.writeGrant(
      grantId,
      { ...current, record },
      current.version,
      grantTtlMs(record, now),
    );
    if (written) return written;
    const again = await this.store.readGrant(grantId);
    if (!again) throw loginRequired('the session has ended');
    return again;
  }
}

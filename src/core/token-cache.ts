// Client-credentials tokens cached for their lifetime, one per (key, scopes, institution, user):
// OCLC caps a WSKey at 50,000 requests a day, so a token per API call is never acceptable.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientCredentialsScopes, type OclcClient } from './client.js';
import type { Principal } from './hmac.js';
import { isExpired, type TokenRecord } from './token-record.js';

/** Where cached application tokens live. The Redis implementation comes with the store layer. */
export interface TokenCacheStore {
  get(key: string): Promise<TokenRecord | undefined>;
  /** Stores `record` for `ttlMs`. */
  set(key: string, record: TokenRecord, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Optional cross-process lock (the Redis store has one): with it, one process fetches a token
   * while the others wait for it in the store, so many replicas still make one token request.
   */
  acquireLock?(key: string, ttlMs: number): Promise<string | null>;
  releaseLock?(key: string, owner: string): Promise<void>;
}

/** In-process cache; bounded, expired entries dropped on read and when full. */
export class MemoryTokenCacheStore implements TokenCacheStore {
  readonly #entries = new Map<string, { record: TokenRecord; until: number }>();
  readonly #max: number;
  readonly #clock: () => number;

  constructor(options: { maxEntries?: number; clock?: () => number } = {}) {
    this.#max = options.maxEntries ?? 1000;
    this.#clock = options.clock ?? Date.now;
  }

  async get(key: string): Promise<TokenRecord | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.#clock()) {
      this.#entries.delete(key);
      return undefined;
    }
    return structuredClone(entry.record);
  }

  async set(key: string, record: TokenRecord, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    if (!this.#entries.has(key) && this.#entries.size >= this.#max) this.#evict();
    this.#entries.set(key, { record: structuredClone(record), until: this.#clock() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  #evict(): void {
    const now = this.#clock();
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(key);
    // Still full: drop the oldest insertion.
    if (this.#entries.size >= this.#max) {
      const first = this.#entries.keys().next();
      if (!first.done) this.#entries.delete(first.value);
    }
  }
}

export interface AppTokenRequest {
  scopes?: string | string[];
  institution?: string;
  user?: Principal;
}

export interface ClientCredentialsCacheOptions {
  client: OclcClient;
  store?: TokenCacheStore;
  /** Renew this many seconds before expiry. Default 60. */
  leewaySeconds?: number;
  /** How often a process waiting on another's token request looks in the store. Default 50 ms. */
  pollMs?: number;
}

export class ClientCredentialsCache {
  readonly #client: OclcClient;
  readonly #store: TokenCacheStore;
  readonly #leeway: number;
  readonly #inflight = new Map<string, Promise<TokenRecord>>();
  readonly #pollMs: number;

  constructor(options: ClientCredentialsCacheOptions) {
    this.#client = options.client;
    this.#store = options.store ?? new MemoryTokenCacheStore({ clock: options.client.clock });
    this.#leeway = options.leewaySeconds ?? 60;
    this.#pollMs = options.pollMs ?? 50;
  }

  /** The cache key: no secret in it, and the same for the same request whatever the scope order. */
  keyFor(request: AppTokenRequest = {}): string {
    const scopes = clientCredentialsScopes(request.scopes ?? this.#client.scopes);
    const identity = JSON.stringify([
      this.#client.server.base,
      this.#client.key,
      scopes.sort(),
      request.institution ?? this.#client.institution ?? null,
      request.user ? [request.user.principalId, request.user.principalIdns] : null,
    ]);
    return `cc:${createHash('sha256').update(identity).digest('base64url')}`;
  }

  /** A valid token, from the cache when it has one; concurrent callers share one request. */
  async get(request: AppTokenRequest = {}): Promise<TokenRecord> {
    const key = this.keyFor(request);
    const cached = await this.#store.get(key);
    if (cached && !isExpired(cached, { leewaySeconds: this.#leeway, now: this.#client.clock() }))
      return cached;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#fetch(key, request).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /**
   * Drops the cached token after an API refused it. Only `staleAccessToken` is dropped, so a newer
   * token another caller already fetched survives.
   */
  async invalidate(request: AppTokenRequest = {}, staleAccessToken?: string): Promise<void> {
    const key = this.keyFor(request);
    if (staleAccessToken !== undefined) {
      const cached = await this.#store.get(key);
      if (!cached || cached.accessToken !== staleAccessToken) return;
    }
    await this.#store.delete(key);
  }

  /** How many token requests are in flight (for health and soak reports). */
  get inflight(): number {
    return this.#inflight.size;
  }

  async #fresh(key: string): Promise<TokenRecord | undefined> {
    const cached = await this.#store.get(key);
    if (cached && !isExpired(cached, { leewaySeconds: this.#leeway, now: this.#client.clock() }))
      return cached;
    return undefined;
  }

  async #fetch(key: string, request: AppTokenRequest): Promise<TokenRecord> {
    const store = this.#store;
    if (!store.acquireLock || !store.releaseLock) return this.#fetchAndStore(key, request);
    const lockTtl = this.#client.timeouts.total + 2000;
    const deadline = this.#client.clock() + lockTtl;
    for (;;) {
      const owner = await store.acquireLock(key, lockTtl);
      if (owner) {
        try {
          // Another process may have stored one while this one waited for the lock.
          return (await this.#fresh(key)) ?? (await this.#fetchAndStore(key, request));
        } finally {
          await store.releaseLock(key, owner).catch(() => {});
        }
      }
      await sleep(this.#pollMs);
      const stored = await this.#fresh(key);
      if (stored) return stored;
      // The lock holder is slow or gone: do not wait past the lock's life.
      if (this.#client.clock() >= deadline) return this.#fetchAndStore(key, request);
    }
  }

  async #fetchAndStore(key: string, request: AppTokenRequest): Promise<TokenRecord> {
    const record = await this.#client.clientCredentials({
      scopes: request.scopes,
      institution: request.institution,
      user: request.user,
    });
    const ttl = record.expiresAt - this.#client.clock() - this.#leeway * 1000;
    await this.#store.set(key, record, ttl);
    return record;
  }
}

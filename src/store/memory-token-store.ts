// In-memory TokenStore for one process (development, tests). Same semantics as the Redis one.
import { randomBytes } from 'node:crypto';
import { MemoryTokenCacheStore } from '../core/token-cache.js';
import type { GrantData, StoredGrant, TokenStore } from './token-store.js';

export class MemoryTokenStore implements TokenStore {
  readonly #grants = new Map<string, { grant: StoredGrant; until: number }>();
  readonly #locks = new Map<string, { owner: string; until: number }>();
  readonly #clock: () => number;
  readonly appTokens: MemoryTokenCacheStore;

  constructor(options: { clock?: () => number } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.appTokens = new MemoryTokenCacheStore({ clock: this.#clock });
  }

  async readGrant(grantId: string): Promise<StoredGrant | null> {
    const entry = this.#grants.get(grantId);
    if (!entry) return null;
    if (entry.until <= this.#clock()) {
      this.#grants.delete(grantId);
      return null;
    }
    return structuredClone(entry.grant);
  }

  async writeGrant(
    grantId: string,
    data: GrantData,
    expectedVersion: number | null,
    ttlMs: number,
  ): Promise<StoredGrant | null> {
    const current = await this.readGrant(grantId);
    if (expectedVersion === null ? current !== null : current?.version !== expectedVersion) return null;
    const grant: StoredGrant = { ...structuredClone(data), version: (current?.version ?? 0) + 1 };
    this.#grants.set(grantId, { grant, until: this.#clock() + ttlMs });
    this.#sweep();
    return structuredClone(grant);
  }

  async deleteGrant(grantId: string): Promise<void> {
    this.#grants.delete(grantId);
  }

  async acquireLock(name: string, ttlMs: number): Promise<string | null> {
    const now = this.#clock();
    const held = this.#locks.get(name);
    if (held && held.until > now) return null;
    const owner = randomBytes(16).toString('base64url');
    this.#locks.set(name, { owner, until: now + ttlMs });
    return owner;
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    if (this.#locks.get(name)?.owner === owner) this.#locks.delete(name);
  }

  async ping(): Promise<void> {}

  /** Live grants (for tests and soak reports). */
  get size(): number {
    return this.#grants.size;
  }

  #sweep(): void {
    if (this.#grants.size % 256 !== 0) return;
    const now = this.#clock();
    for (const [id, entry] of this.#grants) if (entry.until <= now) this.#grants.delete(id);
    for (const [id, lock] of this.#locks) if (lock.until <= now) this.#locks.delete(id);
  }
}

// TokenStore on Redis (standalone, Sentinel or Cluster). One hash per grant with a version field,
// compare-and-set in a Lua script, TTL from the refresh token's expiry, and every key of a grant in
// one hash slot (`{…}` hash tags) so scripts work on a Cluster.
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { OclcConfigError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import type { TokenCacheStore } from '../core/token-cache.js';
import type { TokenRecord } from '../core/token-record.js';
import { guardStore } from './store-error.js';
import type { GrantData, StoredGrant, TokenStore } from './token-store.js';

const CAS_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '-1' then
  if current then return -1 end
  current = 0
else
  if (not current) or current ~= ARGV[1] then return -1 end
  current = tonumber(current)
end
local nextv = current + 1
redis.call('HSET', KEYS[1], 'v', nextv, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return nextv`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type ScriptClient = (Redis | Cluster) & {
  oclcCas(key: string, expected: string, data: string, ttl: string): Promise<number>;
  oclcRelease(key: string, owner: string): Promise<number>;
};

/** SET NX PX with a random owner: the lock is ours until it expires or we release it. */
function lock(redis: ScriptClient, key: string, ttlMs: number): Promise<string | null> {
  return guardStore(async () => {
    const owner = randomBytes(16).toString('base64url');
    const ok = await redis.set(key, owner, 'PX', Math.ceil(ttlMs), 'NX');
    return ok === 'OK' ? owner : null;
  });
}

/** Deletes the lock only if `owner` still holds it (a Lua compare-and-delete). */
function unlock(redis: ScriptClient, key: string, owner: string): Promise<void> {
  return guardStore(async () => {
    await redis.oclcRelease(key, owner);
  });
}

export interface RedisTokenStoreOptions {
  redis: Redis | Cluster;
  /** Prefix of every key. Default `oclc:`. */
  prefix?: string;
}

class RedisAppTokenCache implements TokenCacheStore {
  constructor(
    private readonly redis: ScriptClient,
    private readonly prefix: string,
  ) {}

  #key(key: string): string {
    return `${this.prefix}{app:${key}}:token`;
  }

  #lockKey(key: string): string {
    return `${this.prefix}{app:${key}}:lock`;
  }

  acquireLock(key: string, ttlMs: number): Promise<string | null> {
    return lock(this.redis, this.#lockKey(key), ttlMs);
  }

  releaseLock(key: string, owner: string): Promise<void> {
    return unlock(this.redis, this.#lockKey(key), owner);
  }

  get(key: string): Promise<TokenRecord | undefined> {
    return guardStore(async () => {
      const text = await this.redis.get(this.#key(key));
      if (!text) return undefined;
      try {
        return JSON.parse(text) as TokenRecord;
      } catch {
        return undefined;
      }
    });
  }

  set(key: string, record: TokenRecord, ttlMs: number): Promise<void> {
    return guardStore(async () => {
      if (ttlMs > 0) await this.redis.set(this.#key(key), JSON.stringify(record), 'PX', Math.ceil(ttlMs));
    });
  }

  delete(key: string): Promise<void> {
    return guardStore(async () => {
      await this.redis.del(this.#key(key));
    });
  }
}

export class RedisTokenStore implements TokenStore {
  readonly #redis: ScriptClient;
  readonly #prefix: string;
  readonly #log = createLogger('store');
  readonly appTokens: TokenCacheStore;

  constructor(options: RedisTokenStoreOptions) {
    this.#prefix = options.prefix ?? 'oclc:';
    // A brace in the prefix would become the hash tag and scatter a grant's keys over the Cluster.
    if (/[{}]/.test(this.#prefix))
      throw new OclcConfigError('RedisTokenStore: prefix must not contain { or }', 'prefix');
    const redis = options.redis as ScriptClient;
    // defineCommand is idempotent per client; a client shared by several stores gets it once.
    if (typeof redis.oclcCas !== 'function')
      redis.defineCommand('oclcCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
    if (typeof redis.oclcRelease !== 'function')
      redis.defineCommand('oclcRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    this.#redis = redis;
    this.appTokens = new RedisAppTokenCache(redis, this.#prefix);
  }

  /** The Redis key of a grant; its lock shares the hash slot. */
  grantKey(grantId: string): string {
    return `${this.#prefix}{${grantId}}:grant`;
  }

  lockKey(name: string): string {
    return `${this.#prefix}{${name}}:lock`;
  }

  readGrant(grantId: string): Promise<StoredGrant | null> {
    return guardStore(async () => {
      const [version, data] = await this.#redis.hmget(this.grantKey(grantId), 'v', 'd');
      if (!version || !data) return null;
      try {
        return { ...(JSON.parse(data) as GrantData), version: Number(version) };
      } catch {
        // Unreadable: as good as gone; the user signs in again.
        this.#log('grant record unreadable; treating as signed out');
        return null;
      }
    });
  }

  writeGrant(
    grantId: string,
    data: GrantData,
    expectedVersion: number | null,
    ttlMs: number,
  ): Promise<StoredGrant | null> {
    return guardStore(async () => {
      const version = await this.#redis.oclcCas(
        this.grantKey(grantId),
        expectedVersion === null ? '-1' : String(expectedVersion),
        JSON.stringify(data),
        String(Math.max(1, Math.ceil(ttlMs))),
      );
      if (Number(version) < 0) return null;
      return { ...data, version: Number(version) };
    });
  }

  deleteGrant(grantId: string): Promise<void> {
    return guardStore(async () => {
      await this.#redis.del(this.grantKey(grantId));
    });
  }

  acquireLock(name: string, ttlMs: number): Promise<string | null> {
    return lock(this.#redis, this.lockKey(name), ttlMs);
  }

  releaseLock(name: string, owner: string): Promise<void> {
    return unlock(this.#redis, this.lockKey(name), owner);
  }

  ping(): Promise<void> {
    return guardStore(async () => {
      const redis = this.#redis as Redis;
      await redis.ping();
    });
  }
}

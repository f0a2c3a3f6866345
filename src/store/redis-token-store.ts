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
import { TokenCipher, TokenDecryptError, type TokenKey } from './token-cipher.js';
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
  /**
   * Keys that encrypt the tokens at rest (AES-256-GCM); the first encrypts, all decrypt, so keys
   * rotate by prepending. `false` stores tokens in plain text (tests only).
   */
  encryptionKeys: readonly TokenKey[] | false;
}

/** Seals and opens the token strings of a record; everything else stays readable. */
function sealRecord(cipher: TokenCipher | null, record: TokenRecord, context: string): TokenRecord {
  if (!cipher) return record;
  return {
    ...record,
    accessToken: cipher.encrypt(record.accessToken, `${context}\naccessToken`),
    refreshToken:
      record.refreshToken === null ? null : cipher.encrypt(record.refreshToken, `${context}\nrefreshToken`),
  };
}

function openRecord(cipher: TokenCipher | null, record: TokenRecord, context: string): TokenRecord {
  if (!cipher) return record;
  return {
    ...record,
    accessToken: cipher.decrypt(record.accessToken, `${context}\naccessToken`),
    refreshToken:
      record.refreshToken === null ? null : cipher.decrypt(record.refreshToken, `${context}\nrefreshToken`),
  };
}

class RedisAppTokenCache implements TokenCacheStore {
  constructor(
    private readonly redis: ScriptClient,
    private readonly prefix: string,
    private readonly cipher: TokenCipher | null,
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
        return openRecord(this.cipher, JSON.parse(text) as TokenRecord, `app:${key}`);
      } catch {
        // Unreadable or undecryptable: fetch a new token.
        return undefined;
      }
    });
  }

  set(key: string, record: TokenRecord, ttlMs: number): Promise<void> {
    return guardStore(async () => {
      if (ttlMs > 0) {
        const sealed = sealRecord(this.cipher, record, `app:${key}`);
        await this.redis.set(this.#key(key), JSON.stringify(sealed), 'PX', Math.ceil(ttlMs));
      }
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
  readonly #cipher: TokenCipher | null;
  readonly appTokens: TokenCacheStore;

  constructor(options: RedisTokenStoreOptions) {
    if (options.encryptionKeys === undefined) {
      throw new OclcConfigError(
        'RedisTokenStore: encryptionKeys is required (tokens are encrypted at rest). Use deriveTokenKey(sessionSecret) or a 32-byte key; false only for tests.',
        'encryptionKeys',
      );
    }
    this.#cipher = options.encryptionKeys === false ? null : new TokenCipher(options.encryptionKeys);
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
    this.appTokens = new RedisAppTokenCache(redis, this.#prefix, this.#cipher);
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
        const stored = JSON.parse(data) as GrantData;
        return {
          ...stored,
          record: openRecord(this.#cipher, stored.record, grantId),
          version: Number(version),
        };
      } catch (err) {
        // Unreadable, or sealed with a key we do not have, or moved from another grant: as good as
        // gone. The user signs in again — never a 500.
        this.#log(
          err instanceof TokenDecryptError
            ? `grant cannot be decrypted (${err.message})`
            : 'grant record unreadable',
          'signing out',
        );
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
        JSON.stringify({ ...data, record: sealRecord(this.#cipher, data.record, grantId) }),
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

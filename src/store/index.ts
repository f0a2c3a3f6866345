export { type FreshOptions, GrantManager, type GrantManagerOptions, loginRequired } from './grant-manager.js';
export { MemoryTokenStore } from './memory-token-store.js';
export {
  createRedisClient,
  createRedisCluster,
  FAIL_FAST_REDIS_OPTIONS,
  type RedisLike,
  redisReady,
} from './redis-client.js';
export { RedisTokenStore, type RedisTokenStoreOptions } from './redis-token-store.js';
export { deriveTokenKey, TokenCipher, type TokenKey } from './token-cipher.js';
export type { GrantData, GrantUser, StoredGrant, TokenStore } from './token-store.js';
export { grantTtlMs } from './token-store.js';

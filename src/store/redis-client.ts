// An ioredis client with fail-fast settings (design.md 5): bounded command time, few retries, bounded
// reconnect backoff, no offline queue, and an `error` listener that logs without command arguments.
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { createLogger } from '../core/log.js';

export const FAIL_FAST_REDIS_OPTIONS: RedisOptions = {
  // A command that has not answered in 1 s fails; the request answers 503 instead of hanging.
  commandTimeout: 1000,
  connectTimeout: 2000,
  maxRetriesPerRequest: 1,
  // While disconnected, commands fail at once rather than queue without bound.
  enableOfflineQueue: false,
  retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  // Sessions and tokens must never be sent to a replica that lags.
  readOnly: false,
};

export type RedisLike = Redis | Cluster;

function listen(client: RedisLike): RedisLike {
  const log = createLogger('redis');
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    const now = Date.now();
    // One line a second at most while Redis is down.
    if (now - lastLogged < 1000) return;
    lastLogged = now;
    const code = (err as { code?: unknown }).code;
    log(`redis error: ${err.name}${typeof code === 'string' ? ` ${code}` : ''}`);
  });
  return client;
}

/** A standalone or Sentinel client: `redis://…` URL or ioredis options, with fail-fast defaults. */
export function createRedisClient(urlOrOptions: string | RedisOptions, overrides: RedisOptions = {}): Redis {
  const client =
    typeof urlOrOptions === 'string'
      ? new Redis(urlOrOptions, { ...FAIL_FAST_REDIS_OPTIONS, ...overrides })
      : new Redis({ ...FAIL_FAST_REDIS_OPTIONS, ...urlOrOptions, ...overrides });
  return listen(client) as Redis;
}

/** A Cluster client with the same fail-fast settings on every node connection. */
export function createRedisCluster(nodes: ClusterNode[], options: ClusterOptions = {}): Cluster {
  const { retryStrategy: _ignored, ...redisOptions } = FAIL_FAST_REDIS_OPTIONS;
  const cluster = new Cluster(nodes, {
    enableOfflineQueue: false,
    clusterRetryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    slotsRefreshTimeout: 2000,
    ...options,
    redisOptions: { ...redisOptions, ...options.redisOptions },
  });
  return listen(cluster) as Cluster;
}

/**
 * Resolves when the client is connected and ready; rejects after `timeoutMs`. With the offline
 * queue off, commands fail until then: await this at start-up (the app may still start without it;
 * readiness then says "not ready").
 */
export function redisReady(client: RedisLike, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new Error(`Redis was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', onReady);
  });
}

// One app replica in its own process, for the many-replicas tests: the test app on a given port,
// sessions and grants in a shared Redis, the simulator by URL. Prints "listening <url>".
import { startApp } from './app.js';

const env = process.env;
const sim = { url: env.SIM_URL!, metadataUrl: `${env.SIM_URL}/worldcat` } as never;
const app = await startApp({
  sim,
  port: Number(env.PORT),
  redisUrl: env.REDIS_URL!,
  prefix: env.PREFIX ?? 'replicas:',
  config: {
    lockTtlMs: env.LOCK_TTL_MS ? Number(env.LOCK_TTL_MS) : undefined,
    grantCacheMs: 0,
    timeouts: { total: env.TOTAL_TIMEOUT_MS ? Number(env.TOTAL_TIMEOUT_MS) : 10_000 },
  },
  // What a soak watches: memory, in-flight maps, open sockets.
  extraRoutes: (app, router) => {
    app.get('/__stats', (_req, res) => {
      server.getConnections((_err, connections) => {
        const rt = router.runtime;
        res.json({
          rssMb: Math.round(process.memoryUsage().rss / 1e6),
          heapMb: Math.round(process.memoryUsage().heapUsed / 1e6),
          refreshesInFlight: rt.grants.inflight,
          grantsCached: rt.grants.cached,
          appTokensInFlight: rt.appTokens.inflight,
          openConnections: connections,
        });
      });
    });
  },
});
const server = app.server;
console.log(`listening ${app.url}`);
process.on('SIGTERM', () => {
  app.close().finally(() => process.exit(0));
});

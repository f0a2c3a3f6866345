// Test apps: Express + createSession (Redis or memory) + oclcAuth against a simulator, on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Cluster, Redis } from 'ioredis';
import {
  createRedisClient,
  createSession,
  deriveTokenKey,
  type OclcAuthConfig,
  type OclcAuthRouter,
  type OclcSessionMiddleware,
  oclcAuth,
  oclcErrorHandler,
  RedisTokenStore,
  redisReady,
  requiresAuth,
  type Simulator,
  type TokenStore,
} from '../../src/index.js';

export const SESSION_SECRET = 'test-session-secret-that-is-long-enough-0123456789';

export interface TestApp {
  url: string;
  server: Server;
  router: OclcAuthRouter;
  session: OclcSessionMiddleware;
  redis: Redis | Cluster | null;
  store: TokenStore;
  close(): Promise<void>;
}

export interface AppOptions {
  sim: Simulator;
  port: number;
  /** null: memory sessions and tokens. */
  redisUrl: string | null;
  /** false: start even if Redis is not there (the app must cope). */
  waitForRedis?: boolean;
  /** A ready client to use instead of redisUrl (a Cluster, say). */
  redisClient?: Redis | Cluster;
  prefix?: string;
  config?: Partial<OclcAuthConfig>;
  trustProxy?: boolean;
  /** Build the app on another express (e.g. Express 4). */
  expressModule?: typeof express;
  /** Mount extra routes before the error handler. */
  extraRoutes?: (app: express.Express, router: OclcAuthRouter) => void;
}

export async function startApp(options: AppOptions): Promise<TestApp> {
  const ex = options.expressModule ?? express;
  const app = ex();
  if (options.trustProxy) app.set('trust proxy', 1);
  const url = `http://127.0.0.1:${options.port}`;
  const prefix = options.prefix ?? 'test:';
  const redis = options.redisClient ?? (options.redisUrl ? createRedisClient(options.redisUrl) : null);
  if (redis && options.waitForRedis !== false) await redisReady(redis);
  const session = createSession({
    secret: SESSION_SECRET,
    redis: redis ?? undefined,
    prefix: `${prefix}sess:`,
    baseURL: options.trustProxy ? undefined : url,
  });
  const store =
    options.config?.tokenStore ??
    (redis
      ? new RedisTokenStore({ redis, prefix, encryptionKeys: [deriveTokenKey(SESSION_SECRET)] })
      : undefined);
  const router = oclcAuth({
    baseURL: url,
    key: 'simulator-key',
    secret: 'simulator-secret',
    scopes: 'WorldCatMetadataAPI wcapi refresh_token',
    server: options.sim.url,
    institution: '128807',
    apiBaseURL: `${options.sim.metadataUrl}/`,
    tokenStore: store,
    ...options.config,
  });
  app.use(session);
  app.use(router);
  app.get('/', (req, res) => {
    res.json({ authenticated: req.oclc.isAuthenticated(), user: req.oclc.user });
  });
  app.get('/page', requiresAuth(), (req, res) => {
    res.type('html').send(`<p>Hello ${req.oclc.user?.principalId}</p>`);
  });
  app.get('/api/me', requiresAuth(), (req, res) => {
    res.json({ user: req.oclc.user, token: req.oclc.token });
  });
  app.get('/api/record/:n', requiresAuth(), async (req, res, next) => {
    try {
      const r = await req.oclc.fetch(`manage/bibs/${encodeURIComponent(String(req.params.n))}`);
      const text = await r.text();
      res.json({ status: r.status, length: text.length, has245: text.includes('tag="245"') });
    } catch (err) {
      next(err);
    }
  });
  app.get('/api/app-record/:n', async (req, res, next) => {
    try {
      const r = await req.oclc.appFetch(`search/brief-bibs/${encodeURIComponent(String(req.params.n))}`);
      res.status(r.status).json(await r.json());
    } catch (err) {
      next(err);
    }
  });
  app.get('/api/hmac-record/:n', requiresAuth(), async (req, res, next) => {
    try {
      const r = await req.oclc.hmacFetch(
        `${options.sim.url}/bib/data/${encodeURIComponent(String(req.params.n))}`,
      );
      res
        .status(r.status)
        .type('text')
        .send(await r.text());
    } catch (err) {
      next(err);
    }
  });
  app.post('/api/post-record/:n', requiresAuth(), async (req, res, next) => {
    try {
      const r = await req.oclc.fetch(`manage/bibs/${encodeURIComponent(String(req.params.n))}`, {
        method: 'POST',
        body: '<record/>',
      });
      await r.arrayBuffer();
      res.json({ status: r.status });
    } catch (err) {
      next(err);
    }
  });
  // A slow request that writes the session (as many apps do) — it must never bring old tokens back.
  app.post('/api/slow-session', requiresAuth(), async (req, res, next) => {
    const session = req.session as unknown as { visits?: number };
    const visits = session.visits ?? 0;
    await new Promise((r) => setTimeout(r, Number(req.query.ms ?? 300)));
    session.visits = visits + 1;
    req.session.save((err) => (err ? next(err) : res.json({ visits: session.visits })));
  });
  app.post('/api/refresh', requiresAuth(), async (req, res, next) => {
    try {
      res.json(await req.oclc.refresh());
    } catch (err) {
      next(err);
    }
  });
  options.extraRoutes?.(app as express.Express, router);
  app.use(oclcErrorHandler());

  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    router,
    session,
    redis,
    store: router.runtime.store,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await router.close();
      if (!options.redisClient) redis?.disconnect();
    },
  };
}

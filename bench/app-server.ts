// A bench app in its own process. MODE=oclc: createSession + oclcAuth on Redis against the simulator;
// MODE=plain: express-session + connect-redis on the same Redis (the baseline). Prints "listening".
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import {
  createRedisClient,
  createSession,
  deriveTokenKey,
  oclcAuth,
  RedisTokenStore,
  redisReady,
  requiresAuth,
} from '../src/index.js';

const env = process.env;
const port = Number(env.PORT);
const baseURL = `http://127.0.0.1:${port}`;
const SECRET = 'bench-session-secret-0123456789-0123456789';
const app = express();

if (env.MODE === 'plain') {
  const redis = new Redis(env.REDIS_URL!);
  app.use(
    session({
      secret: SECRET,
      store: new RedisStore({ client: redis, prefix: 'plain:sess:', disableTouch: true }),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.get('/login', (req, res, next) => {
    (req.session as unknown as { user: object }).user = { principalId: 'p', principalIdns: 'ns' };
    req.session.save((err) => (err ? next(err) : res.send('ok')));
  });
  app.get('/protected', (req, res) => {
    const user = (req.session as unknown as { user?: object }).user;
    if (!user) return void res.status(401).json({ error: 'unauthorized' });
    res.json({ user });
  });
} else {
  const redis = createRedisClient(env.REDIS_URL!);
  await redisReady(redis);
  const auth = oclcAuth({
    baseURL,
    key: 'simulator-key',
    secret: 'simulator-secret',
    scopes: 'WorldCatMetadataAPI refresh_token',
    server: env.SIM_URL!,
    institution: '128807',
    apiBaseURL: `${env.SIM_URL}/worldcat/`,
    tokenStore: new RedisTokenStore({ redis, prefix: 'bench:', encryptionKeys: [deriveTokenKey(SECRET)] }),
  });
  app.use(createSession({ redis, secret: SECRET, prefix: 'bench:sess:' }));
  app.use(auth);
  app.get('/protected', requiresAuth(), (req, res) => {
    res.json({ user: req.oclc.user });
  });
  const record = `${env.SIM_URL}/worldcat/manage/bibs/823520553`;
  app.get('/p3/fetch', requiresAuth(), async (req, res, next) => {
    try {
      const answer = await req.oclc.fetch(record);
      res.send(String((await answer.text()).length));
    } catch (err) {
      next(err);
    }
  });
  // The floor: undici.request on an Agent with the same settings and a ready-made header.
  const agent = new Agent({
    connect: { timeout: 5000 },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
    keepAliveTimeout: 10_000,
    connections: 64,
  });
  let authorization: string | undefined;
  app.get('/p3/raw', requiresAuth(), async (req, res, next) => {
    try {
      authorization ??= `Bearer ${await req.oclc.getAccessToken()}`;
      const answer = await request(record, { headers: { authorization }, dispatcher: agent });
      res.send(String((await answer.body.text()).length));
    } catch (err) {
      next(err);
    }
  });
  app.get('/p4', requiresAuth(), async (req, res, next) => {
    try {
      const answer = await req.oclc.fetch(record);
      await answer.text();
      res.status(answer.status).send(String(answer.status));
    } catch (err) {
      next(err);
    }
  });
  app.get('/p5', async (req, res, next) => {
    try {
      const answer = await req.oclc.appFetch(record);
      await answer.text();
      res.status(answer.status).send(String(answer.status));
    } catch (err) {
      next(err);
    }
  });
}

app.listen(port, '127.0.0.1', () => console.log(`listening ${baseURL}`));
// A clean exit on SIGTERM, so --cpu-prof can write its profile.
process.on('SIGTERM', () => process.exit(0));

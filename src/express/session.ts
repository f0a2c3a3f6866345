// createSession(): express-session over connect-redis 8.1 and ioredis, with cookie settings from
// design.md 4 and Redis failures answered 503 + Retry-After (fail closed, never "anonymous").
import { RedisStore } from 'connect-redis';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session, { type CookieOptions, MemoryStore, type Store } from 'express-session';
import type { Cluster, Redis } from 'ioredis';
import { z } from 'zod';
import { parseConfig } from '../core/config.js';
import { OclcConfigError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { createRedisClient } from '../store/redis-client.js';
import { storeUnavailable } from '../store/store-error.js';
import { SESSION_COOKIE } from './logout.js';
import { problemFor, sendProblem } from './responses.js';

const sessionSchema = z
  .object({
    /** Signs the session cookie. Several: the first signs, all verify (rotation by prepending). */
    secret: z.union([
      z.string().min(32, 'must be at least 32 characters'),
      z.array(z.string().min(32, 'must be at least 32 characters')).min(1),
    ]),
    redis: z
      .custom<Redis | Cluster>(
        (v) => typeof v === 'object' && v !== null && 'sendCommand' in v,
        'must be an ioredis client',
      )
      .optional(),
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    store: z
      .custom<Store>(
        (v) => typeof v === 'object' && v !== null && 'get' in v && 'set' in v,
        'must be an express-session Store',
      )
      .optional(),
    /** The app's base URL: https makes the cookie Secure. */
    baseURL: z.url().optional(),
    name: z
      .string()
      .regex(/^[\w.-]+$/)
      .default('oclc.sid'),
    prefix: z.string().default('oclc:sess:'),
    /** Session lifetime. Default 8 hours. */
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 24 * 3600)
      .default(8 * 3600),
    /** Extend the session's life on every request (one more Redis command per request). */
    touch: z.boolean().default(false),
    cookie: z
      .object({
        domain: z.string().optional(),
        path: z.string().default('/'),
        secure: z.union([z.boolean(), z.literal('auto')]).optional(),
        sameSite: z.enum(['lax', 'strict', 'none']).default('lax'),
      })
      .prefault({}),
  })
  .strict();

export type CreateSessionOptions = z.input<typeof sessionSchema>;

export type OclcSessionMiddleware = RequestHandler & {
  /** The express-session store in use. */
  store: Store;
  /** The ioredis client, when Redis backs the sessions. */
  redis?: Redis | Cluster;
  /** The cookie settings (so logout can clear the cookie it was given). */
  cookieName: string;
  cookieOptions: CookieOptions;
};

const log = createLogger('session');

export function createSession(options: CreateSessionOptions): OclcSessionMiddleware {
  const o = parseConfig(sessionSchema, options, 'createSession options');
  let redis = o.redis;
  if (!redis && o.redisUrl) redis = createRedisClient(o.redisUrl);
  let store: Store;
  if (o.store) store = o.store;
  else if (redis)
    store = new RedisStore({ client: redis, prefix: o.prefix, ttl: o.ttlSeconds, disableTouch: !o.touch });
  else {
    if (process.env.NODE_ENV === 'production') {
      throw new OclcConfigError(
        'createSession: no Redis configured and NODE_ENV=production. Pass { redis } or { redisUrl } (the memory store loses sessions on restart and cannot be shared by replicas).',
        'redis',
      );
    }
    console.warn(
      '[oclc-auth-express] WARNING: sessions are kept in memory (no Redis configured). Fine for a demo; pass { redisUrl } for anything else.',
    );
    store = new MemoryStore();
  }

  const secure = o.cookie.secure ?? (o.baseURL ? new URL(o.baseURL).protocol === 'https:' : 'auto');
  const cookieOptions: CookieOptions = {
    httpOnly: true,
    secure,
    // Lax, not Strict: OCLC's redirect back to the callback is a cross-site navigation.
    sameSite: o.cookie.sameSite,
    path: o.cookie.path,
    domain: o.cookie.domain,
    maxAge: o.ttlSeconds * 1000,
  };
  const inner = session({
    name: o.name,
    secret: o.secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    // 'keep': dropping req.session (as a 503 answer does) must never delete the stored session.
    unset: 'keep',
    cookie: cookieOptions,
  });

  const middleware = ((req: Request, res: Response, next: NextFunction) => {
    (req as unknown as Record<symbol, unknown>)[SESSION_COOKIE] = { name: o.name, options: cookieOptions };
    inner(req, res, (err?: unknown) => {
      if (!err) return next();
      // Only the session store fails here; answer 503 rather than treat the user as signed out.
      log('session store failed', err);
      const problem = problemFor(storeUnavailable(err), false)!;
      sendProblem(req, res, problem);
    });
  }) as OclcSessionMiddleware;
  middleware.store = store;
  middleware.redis = redis;
  middleware.cookieName = o.name;
  middleware.cookieOptions = cookieOptions;
  return middleware;
}

// The demo app, built only on the public API of oclc-auth-express — as a user would write it.
import { readFileSync } from 'node:fs';
import express from 'express';
import {
  createRedisClient,
  createSession,
  deriveTokenKey,
  liveness,
  oclcAuth,
  oclcErrorHandler,
  parseErrorBody,
  parseMarcXml,
  parseOclcNumber,
  RedisTokenStore,
  readiness,
  redisReady,
  requiresAuth,
} from 'oclc-auth-express';
import { errorPage, homePage, recordPage } from './views.js';

const STYLE = readFileSync(new URL('./style.css', import.meta.url), 'utf8');
export const DEMO_RECORD = '823520553';

/**
 * @param {object} options
 * @param {string} options.baseURL public base URL of the app
 * @param {{ key: string, secret: string, server: string, institution?: string, apiBaseURL?: string }} options.oclc
 * @param {string} options.sessionSecret
 * @param {string} [options.redisUrl] sessions and tokens in Redis when set
 * @param {string} options.mode shown in the header ("simulator" or "OCLC")
 * @param {boolean} [options.trustProxy]
 */
export async function createExampleApp(options) {
  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy) app.set('trust proxy', 1);

  const redis = options.redisUrl ? createRedisClient(options.redisUrl) : undefined;
  // Give Redis a moment to connect (the fail-fast client refuses commands until then); start anyway
  // if it is down — readiness says so, and requests answer 503 until it is back.
  if (redis)
    await redisReady(redis, 5000).catch(() =>
      console.warn('demo: Redis is not answering yet; /readyz will say when it does.'),
    );
  const session = createSession({ secret: options.sessionSecret, redis, baseURL: options.baseURL });
  const auth = oclcAuth({
    baseURL: options.baseURL,
    key: options.oclc.key,
    secret: options.oclc.secret,
    scopes: 'WorldCatMetadataAPI refresh_token',
    server: options.oclc.server,
    institution: options.oclc.institution,
    apiBaseURL: options.oclc.apiBaseURL,
    // Tokens are encrypted at rest: TOKEN_ENCRYPTION_KEY, or a key derived from the session secret.
    tokenStore: redis
      ? new RedisTokenStore({
          redis,
          encryptionKeys: [options.tokenKey ?? deriveTokenKey(options.sessionSecret)],
        })
      : undefined,
  });
  const mode = options.mode;

  app.use((_req, res, next) => {
    res.set(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'self' 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'same-origin');
    next();
  });
  app.get('/style.css', (_req, res) =>
    res.type('css').set('Cache-Control', 'public, max-age=300').send(STYLE),
  );
  // Liveness says the process runs; readiness says Redis (sessions and tokens) answers.
  app.get('/healthz', liveness());
  app.get('/readyz', readiness(auth));

  app.use(session);
  app.use(auth);

  app.get('/', (req, res) => {
    res.type('html').send(homePage({ user: req.oclc.user, mode }));
  });

  app.get('/record', requiresAuth(), async (req, res, next) => {
    try {
      const raw = typeof req.query.oclcNumber === 'string' ? req.query.oclcNumber : DEMO_RECORD;
      const notice = req.query.refreshed === '1' ? 'The access token was refreshed.' : undefined;
      const oclcNumber = parseOclcNumber(raw);
      const page = {
        user: req.oclc.user,
        token: req.oclc.token,
        oclcNumber: oclcNumber ?? raw,
        notice,
        mode,
      };
      if (!oclcNumber) {
        res
          .status(400)
          .type('html')
          .send(
            recordPage({
              ...page,
              problem: 'That is not an OCLC number (digits, optionally with ocm, ocn, on or (OCoLC)).',
            }),
          );
        return;
      }
      const answer = await req.oclc.fetch(`manage/bibs/${oclcNumber}`, {
        headers: { accept: 'application/marcxml+xml' },
      });
      const text = await answer.text();
      // The token may have been refreshed on the way: show the current one.
      page.token = req.oclc.token;
      if (answer.ok) {
        const record = parseMarcXml(text);
        if (!record) throw new Error('OCLC sent a record that is not MARCXML');
        res.type('html').send(recordPage({ ...page, record, marcxml: text }));
        return;
      }
      const parsed = parseErrorBody(text, answer.headers.get('content-type'));
      const problem =
        answer.status === 404
          ? `Record ${oclcNumber} was not found. ${parsed.message ?? ''}`.trim()
          : `OCLC answered ${answer.status}${parsed.message ? `: ${parsed.message}` : ''}.`;
      res
        .status(answer.status === 404 ? 404 : 502)
        .type('html')
        .send(recordPage({ ...page, problem }));
    } catch (err) {
      next(err);
    }
  });

  app.post('/refresh', requiresAuth(), async (req, res, next) => {
    // A same-origin form only: the button is on our page.
    if (
      req.get('origin') !== new URL(options.baseURL).origin &&
      req.get('sec-fetch-site') !== 'same-origin'
    ) {
      res
        .status(403)
        .type('html')
        .send(
          errorPage({
            title: 'Refused',
            message: 'Refresh must come from this site.',
            user: req.oclc.user,
            mode,
          }),
        );
      return;
    }
    try {
      await req.oclc.refresh();
      res.redirect(303, '/record?refreshed=1');
    } catch (err) {
      next(err);
    }
  });

  // Our pages for the errors a user can hit; the library's handler for everything else it knows.
  app.use((err, req, res, next) => {
    if (res.headersSent) return next(err);
    const code = err?.code;
    const user = req.oclc?.user ?? null;
    if (code === 'OCLC_LOGIN_REQUIRED') {
      res.redirect(303, `/auth?returnTo=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    if (code === 'OCLC_STORE_UNAVAILABLE') {
      res
        .status(503)
        .set('Retry-After', '2')
        .type('html')
        .send(
          errorPage({
            title: 'Temporarily unavailable',
            message: 'Our session store is not answering. Please try again in a moment.',
            user,
            mode,
          }),
        );
      return;
    }
    if (
      code === 'OCLC_AUTH_UNAVAILABLE' ||
      code === 'OCLC_NETWORK' ||
      code === 'OCLC_TIMEOUT' ||
      code === 'OCLC_RATE_LIMITED'
    ) {
      res
        .status(503)
        .set('Retry-After', String(err.retryAfterSeconds ?? 5))
        .type('html')
        .send(
          errorPage({
            title: 'OCLC is not answering',
            message: 'WorldCat could not be reached just now. Please try again in a moment.',
            user,
            mode,
            link: { href: '/record', text: 'Try again' },
          }),
        );
      return;
    }
    next(err);
  });
  app.use(oclcErrorHandler());
  app.use((_err, req, res, _next) => {
    res
      .status(500)
      .type('html')
      .send(
        errorPage({
          title: 'Something went wrong',
          message: 'The page could not be shown.',
          user: req.oclc?.user ?? null,
          mode,
        }),
      );
  });

  return {
    app,
    auth,
    close: async () => {
      await auth.close();
      redis?.disconnect();
    },
  };
}

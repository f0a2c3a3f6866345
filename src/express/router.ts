// oclcAuth(): validates its configuration once and returns an Express Router with the login,
// callback and logout routes (each renamable or off) and req.oclc on every request.
import { type NextFunction, type Request, type RequestHandler, type Response, Router } from 'express';
import { OclcConfigError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { storeUnavailable } from '../store/store-error.js';
import type { StoredGrant } from '../store/token-store.js';
import { type OclcAuthConfig, parseOclcAuthConfig } from './config.js';
import { OclcContext } from './context.js';
import { handleCallback, startLogin } from './login.js';
import { handleLogout } from './logout.js';
import { page, problemFor, sendProblem, wantsHtml } from './responses.js';
import { createRuntime, type Runtime } from './runtime.js';

declare global {
  namespace Express {
    interface Request {
      /** The OCLC context of this request (set by oclcAuth()). */
      oclc: OclcContext;
    }
  }
}

const log = createLogger('auth');

export const SESSION_MISSING =
  'oclcAuth() needs a session: mount createSession({ redisUrl, secret }) (or express-session) before it, e.g. app.use(createSession(...)); app.use(oclcAuth(...)).';

export type OclcAuthRouter = Router & {
  /** Resolves when the token store answers (readiness); rejects otherwise. */
  ready(): Promise<void>;
  /** Closes the HTTP agent this router created. */
  close(): Promise<void>;
  /** @internal */
  runtime: Runtime;
};

/** Runs an async handler; our typed errors become answers, others go to the app's error handler. */
function handle(rt: Runtime, fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    fn(req, res).catch((err: unknown) => {
      const problem = problemFor(err, rt.config.routes.login);
      if (!problem) return next(err);
      if (problem.status === 500) log((err as Error).message);
      sendProblem(req, res, problem);
    });
  };
}

function hasCallbackParams(req: Request): boolean {
  const q = req.query as Record<string, unknown>;
  return q.code !== undefined || q.state !== undefined || q.error !== undefined;
}

function contextMiddleware(rt: Runtime): RequestHandler {
  let warned = false;
  const fail = (req: Request, res: Response, next: NextFunction, err: unknown) => {
    const problem = problemFor(err, rt.config.routes.login);
    if (problem) sendProblem(req, res, problem);
    else next(err);
  };
  return (req, res, next) => {
    if (!req.session) {
      if (!warned) console.error(`[oclc-auth-express] ${SESSION_MISSING}`);
      warned = true;
      return fail(req, res, next, new OclcConfigError(SESSION_MISSING, 'session'));
    }
    const grantId = req.session.oclc?.grantId ?? null;
    if (!grantId) {
      req.oclc = new OclcContext(req, res, rt, null, null);
      return next();
    }
    rt.grants.read(grantId).then(
      (grant: StoredGrant | null) => {
        if (!grant) {
          // Signed out elsewhere (logout in another tab, grant refused by OCLC): forget it here too.
          const { grantId: _gone, user: _user, ...rest } = req.session.oclc ?? {};
          req.session.oclc = rest;
        }
        req.oclc = new OclcContext(req, res, rt, grant ? grantId : null, grant);
        next();
      },
      (err: unknown) => fail(req, res, next, storeUnavailable(err)),
    );
  };
}

/**
 * Protects routes: page navigations are sent to sign in (and back), other requests get 401 JSON.
 * Needs oclcAuth() mounted before it.
 */
export function requiresAuth(): RequestHandler {
  return (req, res, next) => {
    if (!req.oclc)
      return next(new OclcConfigError('requiresAuth() needs oclcAuth() mounted before it', 'oclcAuth'));
    if (req.oclc.isAuthenticated()) return next();
    if (wantsHtml(req) && req.method === 'GET') {
      req.oclc.login({ returnTo: req.originalUrl }).catch((err: unknown) => {
        const problem = problemFor(err, false);
        if (problem) sendProblem(req, res, problem);
        else next(err);
      });
      return;
    }
    res.set('Cache-Control', 'no-store');
    res.set('WWW-Authenticate', 'Bearer realm="oclc-auth-express"');
    res.status(401).json({ error: 'unauthorized', message: 'Sign in with OCLC first.' });
  };
}

export function oclcAuth(input: OclcAuthConfig): OclcAuthRouter {
  const config = parseOclcAuthConfig(input);
  const rt = createRuntime(config);
  const router = Router() as OclcAuthRouter;
  const { login, callback, logout } = config.routes;

  router.use(contextMiddleware(rt));

  const loginHandler = handle(rt, (req, res) =>
    startLogin(req, res, rt, (req.query as Record<string, unknown>).returnTo),
  );
  const callbackHandler = handle(rt, (req, res) => handleCallback(req, res, rt));
  const logoutHandler = handle(rt, (req, res) => handleLogout(req, res, rt));
  // GET never signs out; a navigation gets a page with a button that does.
  const logoutPage: RequestHandler = (req, res) => {
    res.set('Allow', 'POST').set('Cache-Control', 'no-store').status(405);
    if (!wantsHtml(req))
      return void res.json({ error: 'method_not_allowed', message: 'Sign out with POST.' });
    res
      .type('html')
      .send(
        page('Sign out', 'Press the button to sign out.').replace(
          '</main>',
          `<form method="post" action="${logout}"><button type="submit">Sign out</button></form></main>`,
        ),
      );
  };

  // The routes as one exact-path lookup: every request of the app passes through here, so it costs
  // a map lookup instead of a pattern match per route. Paths match case-insensitively and with or
  // without a trailing slash, as Express routes do by default.
  const bare = (path: string) =>
    (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase();
  const routes = new Map<string, RequestHandler>();
  if (login && callback && bare(login) === bare(callback)) {
    // One path for both, as in OCLC's Django example: a response from OCLC is a callback.
    routes.set(`GET ${bare(login)}`, (req, res, next) =>
      (hasCallbackParams(req) ? callbackHandler : loginHandler)(req, res, next),
    );
  } else {
    if (login) routes.set(`GET ${bare(login)}`, loginHandler);
    if (callback) routes.set(`GET ${bare(callback)}`, callbackHandler);
  }
  if (logout) {
    routes.set(`POST ${bare(logout)}`, logoutHandler);
    routes.set(`GET ${bare(logout)}`, logoutPage);
  }
  router.use((req, res, next) => {
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = routes.get(`${method} ${bare(req.path)}`);
    if (route) route(req, res, next);
    else next();
  });
  if (config.authRequired) router.use(requiresAuth());

  router.runtime = rt;
  router.ready = () => rt.store.ping();
  router.close = async () => {
    if (!config.dispatcher) await rt.dispatcher.close();
  };
  return router;
}

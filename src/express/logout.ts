// Logout: POST only, same-origin only; deletes the grant and the session and clears the cookie.
import type { Request, Response } from 'express';
import { createLogger } from '../core/log.js';
import { storeUnavailable } from '../store/store-error.js';
import { sendProblem } from './responses.js';
import type { Runtime } from './runtime.js';
import { destroySession } from './session-data.js';

const log = createLogger('auth');

/** Set by createSession() so logout clears the cookie it was given. */
export const SESSION_COOKIE = Symbol.for('oclc-auth-express.sessionCookie');

interface CookieInfo {
  name: string;
  options: {
    path?: string;
    domain?: string;
    secure?: boolean | 'auto';
    sameSite?: unknown;
    httpOnly?: boolean;
  };
}

export async function endSession(req: Request, res: Response, rt: Runtime): Promise<void> {
  const grantId = req.session?.oclc?.grantId;
  try {
    if (grantId) await rt.grants.delete(grantId);
    if (req.session) await destroySession(req);
  } catch (err) {
    throw storeUnavailable(err);
  }
  const cookie = (req as unknown as Record<symbol, CookieInfo | undefined>)[SESSION_COOKIE];
  const name = cookie?.name ?? 'oclc.sid';
  res.clearCookie(name, {
    path: cookie?.options.path ?? '/',
    domain: cookie?.options.domain,
    httpOnly: true,
    secure: cookie?.options.secure === true || req.secure,
    sameSite: 'lax',
  });
  log('signed out');
}

/** Same-origin POSTs only: the Origin header, or Sec-Fetch-Site when a browser sends no Origin. */
export function isSameOrigin(req: Request, baseURL: string): boolean {
  const origin = req.get('origin');
  if (origin) return origin === new URL(baseURL).origin;
  return req.get('sec-fetch-site') === 'same-origin';
}

export async function handleLogout(req: Request, res: Response, rt: Runtime): Promise<void> {
  if (!isSameOrigin(req, rt.config.baseURL)) {
    return sendProblem(req, res, {
      status: 403,
      error: 'cross_site',
      title: 'Sign-out refused',
      message: 'Sign-out must come from this site.',
    });
  }
  await endSession(req, res, rt);
  res.set('Cache-Control', 'no-store');
  res.redirect(303, rt.config.routes.postLogoutRedirect);
}

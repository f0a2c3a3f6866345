// Login and callback (design.md 4): state and PKCE kept server-side per pending login, consumed
// before the token call; the session is regenerated after login; saved before every redirect.
import type { Request, Response } from 'express';
import { OclcError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { createPkce, createState } from '../core/pkce.js';
import { userOf } from '../store/grant-manager.js';
import { storeUnavailable } from '../store/store-error.js';
import { sendProblem } from './responses.js';
import { safeReturnTo } from './return-to.js';
import type { Runtime } from './runtime.js';
import { type PendingLogin, regenerateSession, saveSession } from './session-data.js';

const log = createLogger('auth');
const MAX_PARAM_LENGTH = 4096;

function callbackInvalid(message: string): OclcError {
  return new OclcError(message, { code: 'OCLC_CALLBACK_INVALID', status: 400 });
}

async function storeCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw err instanceof OclcError ? err : storeUnavailable(err);
  }
}

function livePending(
  pending: Record<string, PendingLogin> | undefined,
  now: number,
  ttlMs: number,
): Record<string, PendingLogin> {
  const out: Record<string, PendingLogin> = {};
  for (const [state, entry] of Object.entries(pending ?? {})) {
    if (entry && typeof entry.createdAt === 'number' && now - entry.createdAt < ttlMs) out[state] = entry;
  }
  return out;
}

/** Saves a pending login in the session and sends the browser to OCLC (303). */
export async function startLogin(req: Request, res: Response, rt: Runtime, returnTo: unknown): Promise<void> {
  const now = rt.client.clock();
  const ttlMs = rt.config.loginTtlSeconds * 1000;
  const target = safeReturnTo(returnTo, rt.config.baseURL);
  const state = createState(rt.client.randomBytes);
  const pkce = createPkce(rt.client.randomBytes);
  const oclc = req.session.oclc ?? {};
  const pending = livePending(oclc.pending, now, ttlMs);
  // Several tabs may be signing in; the oldest pending login gives way past the limit.
  const states = Object.keys(pending).sort((a, b) => pending[a]!.createdAt - pending[b]!.createdAt);
  while (states.length >= rt.config.maxPendingLogins) delete pending[states.shift()!];
  pending[state] = { verifier: pkce.verifier, returnTo: target, createdAt: now };
  req.session.oclc = { ...oclc, pending };
  await storeCall(() => saveSession(req));
  log('login started');
  res.set('Cache-Control', 'no-store');
  res.redirect(303, rt.client.authorizationUrl({ state, codeChallenge: pkce.challenge }));
}

function singleString(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PARAM_LENGTH) return null;
  return value;
}

/** The OAuth callback: error → clear page; code + state → exchange, new session, redirect. */
export async function handleCallback(req: Request, res: Response, rt: Runtime): Promise<void> {
  const query = req.query as Record<string, unknown>;
  const state = singleString(query.state);
  const oclc = req.session.oclc ?? {};
  const now = rt.client.clock();
  const pending = livePending(oclc.pending, now, rt.config.loginTtlSeconds * 1000);

  if (query.error !== undefined) {
    // error and error_description are the attacker's words: cut short, escaped where shown.
    const error = typeof query.error === 'string' ? query.error.slice(0, 64) : 'error';
    const description =
      typeof query.error_description === 'string' ? query.error_description.slice(0, 300) : '';
    if (state && pending[state]) {
      delete pending[state];
      req.session.oclc = { ...oclc, pending };
      await storeCall(() => saveSession(req));
    }
    log('callback with error', error);
    return sendProblem(req, res, {
      status: error === 'access_denied' ? 403 : 400,
      error,
      title: 'Sign-in was not completed',
      message: description ? `OCLC said: ${error}: ${description}` : `OCLC said: ${error}`,
      link: rt.config.routes.login ? { href: rt.config.routes.login, text: 'Try again' } : undefined,
    });
  }

  const code = singleString(query.code);
  if (!code || !state) throw callbackInvalid('The sign-in response is missing its code or state.');
  const entry = pending[state];
  if (!entry) {
    // A replayed callback from a user who is already signed in goes back to the app.
    if (oclc.grantId && req.oclc?.isAuthenticated()) {
      res.set('Cache-Control', 'no-store');
      return res.redirect(303, rt.config.routes.postLogoutRedirect);
    }
    throw callbackInvalid('This sign-in response has expired or was already used. Please start again.');
  }

  // Consume the state before the token call: a second callback with it finds nothing.
  delete pending[state];
  req.session.oclc = { ...oclc, pending };
  await storeCall(() => saveSession(req));

  const record = await rt.client.exchangeCode({
    code,
    codeVerifier: rt.client.server.protocol === 'current' ? entry.verifier : undefined,
  });
  const { grantId } = await rt.grants.create(record);
  const previousGrant = oclc.grantId;
  // A new session id at login: the pre-login id (which an attacker may have planted) is worthless.
  await storeCall(() => regenerateSession(req));
  req.session.oclc = { grantId, user: userOf(record), pending };
  await storeCall(() => saveSession(req));
  if (previousGrant && previousGrant !== grantId) await rt.grants.delete(previousGrant).catch(() => {});
  log('signed in');
  res.set('Cache-Control', 'no-store');
  res.set('Referrer-Policy', 'no-referrer');
  res.redirect(303, entry.returnTo);
}

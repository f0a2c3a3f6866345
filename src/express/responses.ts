// How errors reach the browser or an API client: escaped pages for navigations, JSON otherwise,
// 503 + Retry-After for Redis and OCLC trouble — never a stack, never a secret.
import type { NextFunction, Request, Response } from 'express';
import { OclcError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { escapeHtml } from '../core/text.js';

const log = createLogger('express');

/** A page navigation (gets pages and redirects) rather than an API call (gets JSON). */
export function wantsHtml(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return req.get('sec-fetch-mode') === 'navigate';
  }
  if (req.get('sec-fetch-mode') === 'navigate') return true;
  const accept = req.get('accept') ?? '';
  return accept.includes('text/html');
}

export function page(title: string, message: string, link?: { href: string; text: string }): string {
  const a = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${a}</main></body></html>`;
}

function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store');
}

export interface Problem {
  status: number;
  error: string;
  title: string;
  message: string;
  retryAfterSeconds?: number;
  link?: { href: string; text: string };
}

export function sendProblem(req: Request, res: Response, p: Problem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // With the store down, the session can be neither saved nor offered: no Set-Cookie, no save.
  if (p.error === 'store_unavailable') (req as { session?: unknown }).session = undefined;
  noStore(res);
  if (p.retryAfterSeconds !== undefined) res.set('Retry-After', String(p.retryAfterSeconds));
  res.status(p.status);
  if (wantsHtml(req)) {
    res.type('html').send(page(p.title, p.message, p.link));
  } else {
    res.json({
      error: p.error,
      message: p.message,
      ...(p.retryAfterSeconds !== undefined ? { retryAfter: p.retryAfterSeconds } : {}),
    });
  }
}

/** The answer for an OclcError, or null for errors that are not ours to answer. */
export function problemFor(err: unknown, loginPath: string | false): Problem | null {
  if (!(err instanceof OclcError)) return null;
  switch (err.code) {
    case 'OCLC_STORE_UNAVAILABLE':
      return {
        status: 503,
        error: 'store_unavailable',
        title: 'Service unavailable',
        message: 'The session store is not answering. Please try again shortly.',
        retryAfterSeconds: err.retryAfterSeconds ?? 2,
      };
    case 'OCLC_AUTH_UNAVAILABLE':
    case 'OCLC_NETWORK':
    case 'OCLC_TIMEOUT':
      return {
        status: 503,
        error: 'oclc_unavailable',
        title: 'OCLC is not answering',
        message: 'OCLC could not be reached. Please try again shortly.',
        retryAfterSeconds: err.retryAfterSeconds ?? 5,
        // A failed code exchange is never retried: the way on is a new sign-in.
        link: loginPath ? { href: loginPath, text: 'Sign in again' } : undefined,
      };
    case 'OCLC_RATE_LIMITED':
      return {
        status: 429,
        error: 'rate_limited',
        title: 'Too many requests',
        message: 'OCLC asked us to slow down. Please try again later.',
        retryAfterSeconds: err.retryAfterSeconds ?? 60,
      };
    case 'OCLC_LOGIN_REQUIRED':
      return {
        status: 401,
        error: 'login_required',
        title: 'Please sign in again',
        message: 'Your OCLC session has ended.',
        link: loginPath ? { href: loginPath, text: 'Sign in with OCLC' } : undefined,
      };
    case 'OCLC_AUTH_REJECTED':
    case 'OCLC_RESPONSE_INVALID':
      return {
        status: 502,
        error: 'oclc_refused',
        title: 'Sign-in failed',
        message: 'OCLC did not accept the request. Please sign in again.',
        link: loginPath ? { href: loginPath, text: 'Sign in with OCLC' } : undefined,
      };
    case 'OCLC_CALLBACK_INVALID':
      return {
        status: 400,
        error: 'invalid_callback',
        title: 'Sign-in could not be completed',
        message: err.message,
        link: loginPath ? { href: loginPath, text: 'Start again' } : undefined,
      };
    case 'OCLC_CONFIG_INVALID':
      return {
        status: 500,
        error: 'misconfigured',
        title: 'Server misconfigured',
        message: 'The OCLC sign-in is not configured correctly.',
      };
    case 'OCLC_INPUT_INVALID':
      return { status: 400, error: 'invalid_input', title: 'Bad request', message: err.message };
    default:
      return null;
  }
}

/**
 * Error middleware for the app (mount it last): answers our typed errors — sign in again, Redis or
 * OCLC unavailable — and passes everything else on.
 */
export function oclcErrorHandler(options: { loginPath?: string | false } = {}) {
  const loginPath = options.loginPath ?? '/auth';
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    const problem = problemFor(err, loginPath);
    if (!problem) {
      next(err);
      return;
    }
    if (err instanceof OclcError && err.code === 'OCLC_CONFIG_INVALID') log(err.message);
    if (problem.error === 'login_required' && loginPath && wantsHtml(req) && !res.headersSent) {
      noStore(res);
      res.redirect(303, `${loginPath}?returnTo=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    sendProblem(req, res, problem);
  };
}

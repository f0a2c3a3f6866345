// What oclcAuth keeps in the session: a grant id, the user, and the pending logins. No tokens.
import type { Request } from 'express';
import type { GrantUser } from '../store/token-store.js';

export interface PendingLogin {
  /** PKCE verifier: secret, server-side only. */
  verifier: string;
  returnTo: string;
  createdAt: number;
}

export interface OclcSessionData {
  grantId?: string;
  user?: GrantUser;
  /** Keyed by `state`; a few at most, each single use. */
  pending?: Record<string, PendingLogin>;
}

declare module 'express-session' {
  interface SessionData {
    oclc?: OclcSessionData;
  }
}

function promisify(req: Request, method: 'save' | 'regenerate' | 'destroy'): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = req.session as unknown as Record<string, (cb: (err?: unknown) => void) => void>;
    session[method]!.call(req.session, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}

export const saveSession = (req: Request) => promisify(req, 'save');
export const regenerateSession = (req: Request) => promisify(req, 'regenerate');
export const destroySession = (req: Request) => promisify(req, 'destroy');

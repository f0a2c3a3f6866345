// req.oclc: what a request can ask about the signed-in user and do with their credentials.
// Private state stays in # fields: inspect() and JSON show no token.

import { inspect } from 'node:util';
import type { Request, Response } from 'express';
import type { Response as FetchResponse } from 'undici';
import { signRequest } from '../core/hmac.js';
import { summarizeToken, type TokenSummary } from '../core/token-record.js';
import { loginRequired } from '../store/grant-manager.js';
import type { GrantUser, StoredGrant } from '../store/token-store.js';
import { credentialedFetch, type FetchInit, type FetchInput } from './credentialed-fetch.js';
import { startLogin } from './login.js';
import { endSession } from './logout.js';
import type { Runtime } from './runtime.js';

export interface OclcUser extends GrantUser {}

export class OclcContext {
  readonly #req: Request;
  readonly #res: Response;
  readonly #rt: Runtime;
  #grantId: string | null;
  #grant: StoredGrant | null;

  constructor(
    req: Request,
    res: Response,
    runtime: Runtime,
    grantId: string | null,
    grant: StoredGrant | null,
  ) {
    this.#req = req;
    this.#res = res;
    this.#rt = runtime;
    this.#grantId = grantId;
    this.#grant = grant;
  }

  /** True when the session holds a live grant. */
  isAuthenticated(): boolean {
    return this.#grant !== null;
  }

  /** Principal and institution ids of the signed-in user, or null. */
  get user(): OclcUser | null {
    return this.#grant ? { ...this.#grant.user } : null;
  }

  /** Token metadata (type, scopes, expiry, refresh expiry, a fingerprint) — never the token. */
  get token(): TokenSummary | null {
    return this.#grant ? summarizeToken(this.#grant.record, this.#rt.client.clock()) : null;
  }

  /** The user's access token, refreshed first when due. Keep it server-side. */
  async getAccessToken(): Promise<string> {
    return (await this.#fresh()).record.accessToken;
  }

  /** Refreshes the user's token now (e.g. a "refresh" button) and returns the new metadata. */
  async refresh(): Promise<TokenSummary> {
    const current = await this.#fresh();
    const grant = await this.#rt.grants.fresh(this.#grantId!, {
      force: true,
      staleAccessToken: current.record.accessToken,
    });
    this.#grant = grant;
    return summarizeToken(grant.record, this.#rt.client.clock());
  }

  /** fetch() with the user's bearer token, for allow-listed OCLC origins. */
  fetch(input: FetchInput, init: FetchInit = {}): Promise<FetchResponse> {
    return credentialedFetch(input, init, {
      ...this.#fetchOptions(),
      authorizer: {
        authorize: async ({ refused }) => {
          const stale = refused?.replace(/^Bearer /, '');
          const grant = stale ? await this.#forceRefresh(stale) : await this.#fresh();
          return `Bearer ${grant.record.accessToken}`;
        },
      },
    });
  }

  /** fetch() with the application's own client-credentials token (cached and shared). */
  appFetch(
    input: FetchInput,
    init: FetchInit = {},
    request: { scopes?: string | string[]; institution?: string } = {},
  ): Promise<FetchResponse> {
    const cache = this.#rt.appTokens;
    return credentialedFetch(input, init, {
      ...this.#fetchOptions(),
      authorizer: {
        authorize: async ({ refused }) => {
          if (refused) await cache.invalidate(request, refused.replace(/^Bearer /, ''));
          return `Bearer ${(await cache.get(request)).accessToken}`;
        },
      },
    });
  }

  /** fetch() signed with the WSKey (HMAC) and the signed-in user's principal, for services that take it. */
  hmacFetch(input: FetchInput, init: FetchInit = {}): Promise<FetchResponse> {
    const user = this.#grant?.user;
    const principal =
      user?.principalId && user.principalIdns
        ? { principalId: user.principalId, principalIdns: user.principalIdns }
        : undefined;
    return credentialedFetch(input, init, {
      ...this.#fetchOptions(),
      authorizer: {
        // Every attempt and every hop is signed afresh (new timestamp and nonce).
        authorize: async ({ method, url }) =>
          signRequest({
            key: this.#rt.client.key,
            secret: this.#rt.secret,
            method,
            url,
            user: principal,
            clock: this.#rt.client.clock,
          }).authorization,
      },
    });
  }

  /** Starts a login (303 to OCLC); `returnTo` must be a path on this site. */
  login(options: { returnTo?: string } = {}): Promise<void> {
    return startLogin(this.#req, this.#res, this.#rt, options.returnTo);
  }

  /** Ends the session and deletes the grant; the caller sends the response. */
  async logout(): Promise<void> {
    await endSession(this.#req, this.#res, this.#rt);
    this.#grant = null;
    this.#grantId = null;
  }

  #fetchOptions() {
    return {
      dispatcher: this.#rt.dispatcher,
      isAllowed: this.#rt.isAllowed,
      baseURL: this.#rt.config.apiBaseURL,
      totalTimeoutMs: this.#rt.totalTimeoutMs,
      userAgent: this.#rt.userAgent,
      retry: this.#rt.apiRetry,
    };
  }

  async #fresh(): Promise<StoredGrant> {
    if (!this.#grantId) throw loginRequired('not signed in');
    this.#grant = await this.#rt.grants.fresh(this.#grantId);
    return this.#grant;
  }

  async #forceRefresh(staleAccessToken: string): Promise<StoredGrant> {
    if (!this.#grantId) throw loginRequired('not signed in');
    this.#grant = await this.#rt.grants.fresh(this.#grantId, { force: true, staleAccessToken });
    return this.#grant;
  }

  toJSON(): Record<string, unknown> {
    return { authenticated: this.isAuthenticated(), user: this.user, token: this.token };
  }

  [inspect.custom](_depth: number, options: object): string {
    return `OclcContext ${inspect(this.toJSON(), options)}`;
  }
}

// The OAuth 2 client for OCLC's authorization servers: login URLs and the three grants, on the
// current server (Basic auth, form body) and the legacy one (HMAC-signed POST /accessToken?…).
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { USER_AGENT } from '../version.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { type Clock, type RandomBytes, systemClock, systemRandom } from './clock.js';
import {
  breakerSchema,
  dispatcherSchema,
  functionSchema,
  parseConfig,
  registryIdSchema,
  timeoutsSchema,
} from './config.js';
import {
  authErrorFromResponse,
  OclcAuthError,
  OclcError,
  OclcInputError,
  OclcNetworkError,
  OclcResponseError,
} from './errors.js';
import { type Principal, signRequest } from './hmac.js';
import {
  DEFAULT_RETRY,
  DEFAULT_TIMEOUTS,
  parseRetryAfter,
  type RetryPolicy,
  send,
  type Timeouts,
  withRetries,
} from './http.js';
import { buildAuthorizationUrl, type ResolvedServer, resolveServer, tokenEndpoint } from './servers.js';
import { parseTokenResponse, splitScopes, type TokenRecord } from './token-record.js';

const registryId = registryIdSchema;
const fn = functionSchema;

export const clientConfigSchema = z
  .object({
    key: z.string().min(1, 'the WSKey is required'),
    secret: z.string().min(1, 'the WSKey secret is required'),
    scopes: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => splitScopes(v))
      .refine((v) => v.length > 0, 'at least one scope is required'),
    redirectUri: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).optional(),
    server: z.string().default('current'),
    serverProtocol: z.enum(['current', 'legacy']).optional(),
    /** Registry id of the institution: `/auth/<id>`, `context:<id>`, and the legacy institution ids. */
    institution: registryId.optional(),
    authenticatingInstitutionId: registryId.optional(),
    contextInstitutionId: registryId.optional(),
    timeouts: timeoutsSchema,
    userAgent: z.string().min(1).default(USER_AGENT),
    dispatcher: dispatcherSchema.optional(),
    basicAuthEncoding: z.enum(['raw', 'form']).default('raw'),
    retry: z
      .object({
        retries: z.number().int().min(0).max(10),
        baseDelayMs: z.number().int().min(0).max(60_000),
        maxDelayMs: z.number().int().min(0).max(60_000),
        maxRetryAfterSeconds: z.number().min(0).max(3600),
      })
      .partial()
      .default({}),
    breaker: breakerSchema,
    clock: fn<Clock>('clock').optional(),
    randomBytes: fn<RandomBytes>('randomBytes').optional(),
    sleep: fn<(ms: number) => Promise<unknown>>('sleep').optional(),
  })
  .strict();

export type OclcClientConfig = z.input<typeof clientConfigSchema>;

export interface AuthorizationUrlOptions {
  state: string;
  /** PKCE S256 challenge (current server). */
  codeChallenge?: string;
  scopes?: string | string[];
  /** Overrides the configured institution for this login. */
  institution?: string;
  redirectUri?: string;
}

export interface ExchangeCodeOptions {
  code: string;
  codeVerifier?: string;
  redirectUri?: string;
}

export interface ClientCredentialsOptions {
  scopes?: string | string[];
  institution?: string;
  /** Legacy server: the user the token acts for, sent as principalID/IDNS. */
  user?: Principal;
}

type Grant = 'authorization_code' | 'client_credentials' | 'refresh_token';

const GRANT_NAMES: Record<Grant, string> = {
  authorization_code: 'Code exchange',
  client_credentials: 'Client credentials token request',
  refresh_token: 'Token refresh',
};

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new OclcInputError(`${field} is required`, field);
  return value;
}

/**
 * The scopes of a client-credentials request: as asked, less `refresh_token` (that grant never
 * returns one), so the same request always has the same scopes.
 */
export function clientCredentialsScopes(requested: string | readonly string[]): string[] {
  return [...new Set(splitScopes(typeof requested === 'string' ? requested : [...requested]))].filter(
    (s) => s !== 'refresh_token',
  );
}

/** Worth another attempt: the network failed, or OCLC had trouble (5xx, 429). Never a 4xx refusal. */
export function isRetryableTokenError(err: unknown): boolean {
  if (err instanceof OclcNetworkError) return true;
  if (err instanceof OclcAuthError)
    return err.status !== undefined && (err.status >= 500 || err.status === 429);
  return false;
}

export class OclcClient {
  readonly key: string;
  readonly scopes: readonly string[];
  readonly server: ResolvedServer;
  readonly redirectUri: string | undefined;
  readonly institution: string | undefined;
  readonly timeouts: Timeouts;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  readonly randomBytes: RandomBytes;
  readonly #secret: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #userAgent: string;
  readonly #basic: 'raw' | 'form';
  readonly #authenticatingInstitutionId: string | undefined;
  readonly #contextInstitutionId: string | undefined;
  readonly #sleep: (ms: number) => Promise<unknown>;
  readonly #breaker: CircuitBreaker;

  constructor(config: OclcClientConfig) {
    const c = parseConfig(clientConfigSchema, config, 'OCLC client configuration');
    this.key = c.key;
    this.#secret = c.secret;
    this.scopes = Object.freeze([...c.scopes]);
    this.server = resolveServer(c.server, c.serverProtocol);
    this.redirectUri = c.redirectUri;
    this.institution = c.institution;
    this.#authenticatingInstitutionId = c.authenticatingInstitutionId ?? c.institution;
    this.#contextInstitutionId = c.contextInstitutionId ?? this.#authenticatingInstitutionId;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...c.timeouts };
    this.retry = { ...DEFAULT_RETRY, ...c.retry };
    this.clock = c.clock ?? systemClock;
    this.randomBytes = c.randomBytes ?? systemRandom;
    this.#sleep = c.sleep ?? sleep;
    this.#userAgent = c.userAgent;
    this.#breaker = new CircuitBreaker({ ...c.breaker, clock: this.clock });
    this.#basic = c.basicAuthEncoding;
    this.#ownsDispatcher = !c.dispatcher;
    this.#dispatcher =
      c.dispatcher ??
      new Agent({
        connect: { timeout: this.timeouts.connect },
        headersTimeout: this.timeouts.headers,
        bodyTimeout: this.timeouts.body,
        keepAliveTimeout: 10_000,
      });
  }

  /** `open` while the token endpoint is being left alone after repeated failures. */
  get breakerState(): 'closed' | 'open' {
    return this.#breaker.state;
  }

  /** The undici dispatcher this client sends with (shared with req.oclc.fetch). */
  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  /** The URL to send a browser to for login. Keep `state` and the PKCE verifier server-side. */
  authorizationUrl(options: AuthorizationUrlOptions): string {
    const redirectUri = options.redirectUri ?? this.redirectUri;
    if (!redirectUri) throw new OclcInputError('redirectUri is required for a login URL', 'redirectUri');
    const institution = options.institution ?? this.institution;
    return buildAuthorizationUrl({
      server: this.server,
      clientId: this.key,
      redirectUri,
      scopes: options.scopes ? splitScopes(options.scopes) : this.scopes,
      state: requireString(options.state, 'state'),
      codeChallenge: options.codeChallenge,
      registryId: institution,
      authenticatingInstitutionId: options.institution ?? this.#authenticatingInstitutionId,
      contextInstitutionId: options.institution ?? this.#contextInstitutionId,
    });
  }

  /** Exchanges an authorization code. Never retried: a code is single-use. */
  exchangeCode(options: ExchangeCodeOptions): Promise<TokenRecord> {
    const code = requireString(options.code, 'code');
    const redirectUri = options.redirectUri ?? this.redirectUri;
    if (!redirectUri) throw new OclcInputError('redirectUri is required for a code exchange', 'redirectUri');
    const params: Record<string, string> = { grant_type: 'authorization_code', code };
    if (this.server.protocol === 'legacy') {
      this.#addLegacyInstitutions(params);
      params.redirect_uri = redirectUri;
    } else {
      params.redirect_uri = redirectUri;
      if (options.codeVerifier) params.code_verifier = options.codeVerifier;
    }
    return this.#tokenRequest('authorization_code', params, {
      requestedScopes: this.scopes,
      secrets: [code, options.codeVerifier],
    });
  }

  /** A token for the application itself; retried on network errors and 5xx, never on 4xx. */
  clientCredentials(options: ClientCredentialsOptions = {}): Promise<TokenRecord> {
    const scopes = clientCredentialsScopes(options.scopes ?? this.scopes);
    const institution = options.institution ?? this.#contextInstitutionId;
    const params: Record<string, string> = { grant_type: 'client_credentials' };
    if (this.server.protocol === 'legacy') {
      this.#addLegacyInstitutions(params, options.institution);
    } else if (institution && !scopes.some((s) => s.startsWith('context:'))) {
      scopes.push(`context:${institution}`);
    }
    params.scope = scopes.join(' ');
    return withRetries(
      () => this.#tokenRequest('client_credentials', params, { requestedScopes: scopes, user: options.user }),
      this.retry,
      isRetryableTokenError,
      this.#sleep,
    );
  }

  /**
   * Uses a refresh token. Not retried here: OCLC may rotate refresh tokens, so a retry after a lost
   * answer can replay a spent one; the caller decides.
   */
  refresh(previous: TokenRecord | { refreshToken: string }): Promise<TokenRecord> {
    const refreshToken = requireString(previous.refreshToken, 'refreshToken');
    const params: Record<string, string> = { grant_type: 'refresh_token', refresh_token: refreshToken };
    const prior = 'accessToken' in previous ? previous : null;
    return this.#tokenRequest('refresh_token', params, {
      requestedScopes: prior?.scopes ?? this.scopes,
      previous: prior,
      secrets: [refreshToken],
    });
  }

  /** Closes the client's own Agent (a dispatcher passed in is the caller's to close). */
  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #addLegacyInstitutions(params: Record<string, string>, institution?: string): void {
    const authenticating = institution ?? this.#authenticatingInstitutionId;
    if (!authenticating) {
      throw new OclcInputError('the legacy server needs an institution id', 'authenticatingInstitutionId');
    }
    params.authenticatingInstitutionId = authenticating;
    params.contextInstitutionId = institution ?? this.#contextInstitutionId ?? authenticating;
  }

  async #tokenRequest(
    grant: Grant,
    params: Record<string, string>,
    options: {
      requestedScopes: readonly string[];
      previous?: TokenRecord | null;
      user?: Principal;
      secrets?: (string | undefined)[];
    },
  ): Promise<TokenRecord> {
    const what = GRANT_NAMES[grant];
    const secrets = [this.#secret, ...(options.secrets ?? [])];
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent };
    let url = tokenEndpoint(this.server);
    let body: string | undefined;
    if (this.server.protocol === 'current') {
      const user = this.#basic === 'form' ? formEncode(this.key) : this.key;
      const pass = this.#basic === 'form' ? formEncode(this.#secret) : this.#secret;
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(params).toString();
    } else {
      // The legacy server signs the exact URL, parameters in the query, empty body.
      url = `${url}?${new URLSearchParams(params)}`;
      headers.authorization = signRequest({
        key: this.key,
        secret: this.#secret,
        method: 'POST',
        url,
        user: options.user,
        clock: this.clock,
        randomBytes: this.randomBytes,
      }).authorization;
      body = '';
    }
    const blocked = this.#breaker.blockedForMs();
    if (blocked > 0) {
      throw new OclcAuthError(
        `${what}: OCLC's token endpoint failed repeatedly; not calling it for ${Math.ceil(blocked / 1000)} s`,
        {
          code: 'OCLC_AUTH_UNAVAILABLE',
          status: 503,
          retryAfterSeconds: Math.ceil(blocked / 1000),
        },
      );
    }
    let res: Awaited<ReturnType<typeof send>>;
    try {
      res = await send(what, {
        method: 'POST',
        url,
        headers,
        body,
        dispatcher: this.#dispatcher,
        timeouts: this.timeouts,
        maxBodyBytes: 256 * 1024,
      });
    } catch (err) {
      this.#breaker.failure();
      throw err;
    }
    if (res.status >= 500) this.#breaker.failure();
    else this.#breaker.success();
    if (res.status < 200 || res.status >= 300) {
      throw authErrorFromResponse(what, {
        status: res.status,
        body: res.body,
        contentType: res.contentType,
        retryAfterSeconds: parseRetryAfter(
          typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : undefined,
        ),
        secrets,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new OclcResponseError(`${what}: OCLC answered ${res.status} with a body that is not JSON`, {
        code: 'OCLC_RESPONSE_INVALID',
        status: res.status,
        body: res.body,
        secrets,
      });
    }
    try {
      // Expiry counts from the local clock at receipt.
      return parseTokenResponse(json, {
        receivedAt: this.clock(),
        requestedScopes: options.requestedScopes,
        previous: options.previous,
      });
    } catch (err) {
      if (err instanceof OclcError) throw err;
      throw new OclcResponseError(`${what}: token response could not be read`, {
        code: 'OCLC_RESPONSE_INVALID',
      });
    }
  }

  toJSON(): Record<string, unknown> {
    return {
      key: this.key,
      scopes: this.scopes,
      server: this.server,
      redirectUri: this.redirectUri,
      institution: this.institution,
    };
  }

  [inspect.custom](_depth: number, options: object): string {
    return `OclcClient ${inspect(this.toJSON(), options)}`;
  }
}

/** Validates the configuration once and returns a client. */
export function createOclcClient(config: OclcClientConfig): OclcClient {
  return new OclcClient(config);
}

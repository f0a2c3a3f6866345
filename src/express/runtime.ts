// What one oclcAuth() instance shares across requests: config, client, grants, app tokens, fetch.
import { Agent, type Dispatcher } from 'undici';
import { createOclcClient, type OclcClient } from '../core/client.js';
import { createLogger } from '../core/log.js';
import { ClientCredentialsCache } from '../core/token-cache.js';
import { GrantManager } from '../store/grant-manager.js';
import { MemoryTokenStore } from '../store/memory-token-store.js';
import type { TokenStore } from '../store/token-store.js';
import { USER_AGENT } from '../version.js';
import { DEFAULT_ALLOWED_ORIGINS, originMatcher, type ResolvedOclcAuthConfig } from './config.js';
import { type ApiRetryPolicy, DEFAULT_API_RETRY } from './credentialed-fetch.js';

export interface Runtime {
  config: ResolvedOclcAuthConfig;
  client: OclcClient;
  grants: GrantManager;
  appTokens: ClientCredentialsCache;
  store: TokenStore;
  dispatcher: Dispatcher;
  isAllowed: (origin: string) => boolean;
  redirectUri: string;
  totalTimeoutMs: number;
  userAgent: string;
  secret: string;
  apiRetry: ApiRetryPolicy;
}

const log = createLogger('auth');

export function createRuntime(config: ResolvedOclcAuthConfig): Runtime {
  const callbackPath = config.routes.callback === false ? '/auth/callback' : config.routes.callback;
  const redirectUri = new URL(callbackPath, config.baseURL).href;
  const timeouts = { connect: 5_000, headers: 10_000, body: 10_000, total: 10_000, ...config.timeouts };
  // One shared keep-alive Agent with explicit timeouts, passed as `dispatcher`, never made global.
  const dispatcher =
    config.dispatcher ??
    new Agent({
      connect: { timeout: timeouts.connect },
      headersTimeout: timeouts.headers,
      bodyTimeout: timeouts.body,
      keepAliveTimeout: 10_000,
      connections: 64,
    });
  const client = createOclcClient({
    key: config.key,
    secret: config.secret,
    scopes: config.scopes,
    redirectUri,
    server: config.server,
    serverProtocol: config.serverProtocol,
    institution: config.institution,
    authenticatingInstitutionId: config.authenticatingInstitutionId,
    contextInstitutionId: config.contextInstitutionId,
    timeouts,
    basicAuthEncoding: config.basicAuthEncoding,
    dispatcher,
    userAgent: config.userAgent,
    clock: config.clock,
    breaker: config.breaker,
  });
  let store = config.tokenStore;
  if (!store) {
    if (process.env.NODE_ENV === 'production') {
      throw new Error(
        'oclcAuth: no tokenStore and NODE_ENV=production. Pass tokenStore: new RedisTokenStore({ redis }) so replicas share grants.',
      );
    }
    log('no tokenStore given: grants are kept in this process only');
    store = new MemoryTokenStore({ clock: config.clock });
  }
  const allowed = [...(config.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS), new URL(client.server.base).origin];
  if (!config.allowedOrigins) allowed.push(new URL(config.apiBaseURL).origin);
  return {
    config,
    client,
    store,
    grants: new GrantManager({
      client,
      store,
      leewaySeconds: config.refreshLeewaySeconds,
      lockTtlMs: config.lockTtlMs,
      cacheMs: config.grantCacheMs,
    }),
    appTokens: new ClientCredentialsCache({
      client,
      store: store.appTokens,
      leewaySeconds: config.refreshLeewaySeconds,
    }),
    dispatcher,
    isAllowed: originMatcher(allowed),
    redirectUri,
    totalTimeoutMs: timeouts.total,
    userAgent: config.userAgent ?? USER_AGENT,
    secret: config.secret,
    apiRetry: { ...DEFAULT_API_RETRY, ...config.apiRetry },
  };
}

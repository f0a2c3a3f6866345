// The one public entry of oclc-auth-express.

export {
  type AuthorizationUrlOptions,
  type ClientCredentialsOptions,
  clientCredentialsScopes,
  createOclcClient,
  type ExchangeCodeOptions,
  isRetryableTokenError,
  OclcClient,
  type OclcClientConfig,
} from './core/client.js';
export type { Clock, RandomBytes } from './core/clock.js';
export { type ParsedErrorBody, parseErrorBody } from './core/error-body.js';
export {
  apiErrorFromResponse,
  authErrorFromResponse,
  isOclcError,
  OclcApiError,
  OclcAuthError,
  OclcConfigError,
  OclcError,
  type OclcErrorCode,
  type OclcErrorOptions,
  OclcInputError,
  OclcNetworkError,
  OclcResponseError,
} from './core/errors.js';
export {
  HMAC_SCHEME,
  type HmacRefusal,
  type NormalizeInput,
  normalizeQuery,
  normalizeRequest,
  type ParsedHmacHeader,
  type Principal,
  parseHmacHeader,
  type SignedRequest,
  type SignInput,
  signRequest,
  type VerifyInput,
  type VerifyResult,
  verifySignature,
} from './core/hmac.js';
export {
  DEFAULT_RETRY,
  DEFAULT_TIMEOUTS,
  parseRetryAfter,
  type RetryPolicy,
  type Timeouts,
} from './core/http.js';
export {
  type MarcField,
  type MarcRecord,
  type MarcSubfield,
  marcControl,
  marcValues,
  parseMarcXml,
  trimIsbd,
} from './core/marcxml.js';
export { normalizeOclcNumber, parseOclcNumber } from './core/oclc-number.js';
export {
  computeCodeChallenge,
  createPkce,
  createState,
  isValidCodeVerifier,
  type PkcePair,
} from './core/pkce.js';
export { fingerprint, redact } from './core/redact.js';
export {
  buildAuthorizationUrl,
  CURRENT_SERVER,
  LEGACY_SERVER,
  type ResolvedServer,
  resolveServer,
  type ServerProtocol,
  tokenEndpoint,
} from './core/servers.js';
export { escapeHtml } from './core/text.js';
export {
  type AppTokenRequest,
  ClientCredentialsCache,
  type ClientCredentialsCacheOptions,
  MemoryTokenCacheStore,
  type TokenCacheStore,
} from './core/token-cache.js';
export {
  canRefresh,
  isExpired,
  type ParseTokenOptions,
  parseOclcTime,
  parseTokenResponse,
  splitScopes,
  summarizeToken,
  type TokenRecord,
  type TokenSummary,
} from './core/token-record.js';
export * from './express/index.js';
export * from './simulator/index.js';
export * from './store/index.js';
export { VERSION } from './version.js';

// The whole oclcAuth configuration as one schema with secure defaults, validated once.
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import {
  breakerSchema,
  dispatcherSchema,
  functionSchema,
  parseConfig,
  registryIdSchema,
  timeoutsSchema,
} from '../core/config.js';
import { OclcConfigError } from '../core/errors.js';
import { resolveServer } from '../core/servers.js';
import type { TokenStore } from '../store/token-store.js';

const route = z.union([z.string().regex(/^\/[^\s?#]*$/, 'must be a path starting with /'), z.literal(false)]);
const registryId = registryIdSchema;
const ms = z.number().int().positive().max(600_000);

/** OCLC hosts that get credentials by default (besides the configured server). */
export const DEFAULT_ALLOWED_ORIGINS = [
  'https://metadata.api.oclc.org',
  'https://americas.discovery.api.oclc.org',
  'https://worldcat.org',
  'https://www.worldcat.org',
  'https://*.worldcat.org',
  'https://*.api.oclc.org',
];

export const oclcAuthSchema = z
  .object({
    /** The app's public base URL; the redirect URI is built from it, never from Host. */
    baseURL: z
      .url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL, e.g. https://app.example.edu' })
      .refine(
        (v) => !URL.canParse(v) || (!new URL(v).search && !new URL(v).hash),
        'must not have a query or fragment',
      ),
    key: z.string().min(1, 'the WSKey is required (clientID)'),
    secret: z.string().min(1, 'the WSKey secret is required'),
    scopes: z.union([z.string(), z.array(z.string())]).default('WorldCatMetadataAPI refresh_token'),
    server: z.string().default('current'),
    serverProtocol: z.enum(['current', 'legacy']).optional(),
    /** Registry id: `/auth/<id>` skips the institution picker. */
    institution: registryId.optional(),
    authenticatingInstitutionId: registryId.optional(),
    contextInstitutionId: registryId.optional(),
    routes: z
      .object({
        login: route.default('/auth'),
        callback: route.default('/auth/callback'),
        logout: route.default('/auth/logout'),
        /** Where logout and a replayed callback send the browser. */
        postLogoutRedirect: z
          .string()
          .regex(/^\/(?![/\\])/, 'must be a path on this site')
          .default('/'),
      })
      .prefault({}),
    /** Where grants live; default: in this process's memory (development only). */
    tokenStore: z
      .custom<TokenStore>(
        (v) => typeof v === 'object' && v !== null && 'readGrant' in v,
        'must be a TokenStore',
      )
      .optional(),
    refreshLeewaySeconds: z.number().int().min(0).max(3600).default(60),
    /** How long a grant read may be reused in this process (0: read Redis on every request). */
    grantCacheMs: z.number().int().min(0).max(60_000).default(1000),
    /** Origins req.oclc.fetch may send credentials to (`https://*.example.org` matches subdomains). */
    allowedOrigins: z.array(z.string()).optional(),
    /** Base for relative URLs given to req.oclc.fetch. */
    apiBaseURL: z.url().default('https://metadata.api.oclc.org/worldcat/'),
    /** Protect every route after the router. */
    authRequired: z.boolean().default(false),
    /** Pending logins older than this are refused. */
    loginTtlSeconds: z.number().int().min(60).max(3600).default(600),
    /** Pending logins kept per session (several tabs may sign in at once). */
    maxPendingLogins: z.number().int().min(1).max(20).default(5),
    timeouts: timeoutsSchema,
    lockTtlMs: ms.optional(),
    /** Retries of idempotent API calls on 429/5xx/resets, within a time budget (POST never). */
    apiRetry: z
      .object({
        retries: z.number().int().min(0).max(5),
        baseDelayMs: z.number().int().min(0).max(10_000),
        maxDelayMs: z.number().int().min(0).max(60_000),
        budgetMs: z.number().int().min(0).max(120_000),
      })
      .partial()
      .default({}),
    breaker: breakerSchema,
    basicAuthEncoding: z.enum(['raw', 'form']).default('raw'),
    dispatcher: dispatcherSchema.optional(),
    userAgent: z.string().min(1).optional(),
    clock: functionSchema<Clock>('clock').optional(),
  })
  .strict();

export type OclcAuthConfig = z.input<typeof oclcAuthSchema>;
export type ResolvedOclcAuthConfig = z.output<typeof oclcAuthSchema>;

export function parseOclcAuthConfig(input: OclcAuthConfig): ResolvedOclcAuthConfig {
  const config = parseConfig(oclcAuthSchema, input, 'oclcAuth configuration');
  const { login, callback } = config.routes;
  if (login === false && callback !== false) {
    // Allowed: an app may start logins itself with req.oclc.login().
  }
  if (callback === false && login !== false) {
    throw new OclcConfigError(
      'oclcAuth configuration: routes.callback is needed when routes.login is on',
      'routes.callback',
    );
  }
  resolveServer(config.server, config.serverProtocol);
  return config;
}

/** Matches origins against patterns such as `https://*.worldcat.org`. */
export function originMatcher(patterns: readonly string[]): (origin: string) => boolean {
  const exact = new Set<string>();
  const wildcards: Array<{ scheme: string; suffix: string }> = [];
  for (const pattern of patterns) {
    const m = /^(https?):\/\/\*\.(.+)$/.exec(pattern);
    if (m) {
      wildcards.push({ scheme: `${m[1]}:`, suffix: `.${m[2]!.toLowerCase()}` });
      continue;
    }
    let origin: string;
    try {
      origin = new URL(pattern).origin;
    } catch {
      throw new OclcConfigError(
        `oclcAuth configuration: allowedOrigins: ${JSON.stringify(pattern)} is not an origin`,
        'allowedOrigins',
      );
    }
    exact.add(origin);
  }
  return (origin) => {
    if (exact.has(origin)) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    return wildcards.some((w) => url.protocol === w.scheme && url.hostname.endsWith(w.suffix) && !url.port);
  };
}

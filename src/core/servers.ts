// Where OCLC's authorization servers live and which protocol each speaks (design.md 3.2).
import { OclcConfigError } from './errors.js';

export type ServerProtocol = 'current' | 'legacy';

export const CURRENT_SERVER = 'https://oauth.oclc.org';
export const LEGACY_SERVER = 'https://authn.sd00.worldcat.org/oauth2';

export interface ResolvedServer {
  protocol: ServerProtocol;
  /** Base URL without a trailing slash. */
  base: string;
}

/**
 * `current`, `legacy`, or a base URL (the simulator's, say). A URL speaks the current protocol
 * unless `protocol` says `legacy`.
 */
export function resolveServer(server: string, protocol?: ServerProtocol): ResolvedServer {
  if (server === 'current') return { protocol: protocol ?? 'current', base: CURRENT_SERVER };
  if (server === 'legacy') return { protocol: protocol ?? 'legacy', base: LEGACY_SERVER };
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new OclcConfigError(`server must be "current", "legacy" or an absolute URL`, 'server');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OclcConfigError('server URL must use http or https', 'server');
  }
  if (url.search || url.hash)
    throw new OclcConfigError('server URL must not have a query or fragment', 'server');
  return { protocol: protocol ?? 'current', base: url.href.replace(/\/+$/, '') };
}

export function tokenEndpoint(server: ResolvedServer): string {
  return `${server.base}/${server.protocol === 'current' ? 'token' : 'accessToken'}`;
}

export interface AuthorizationUrlInput {
  server: ResolvedServer;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  state: string;
  /** PKCE S256 challenge; the current server only. */
  codeChallenge?: string;
  /** Current server: `/auth/<registryId>` skips the institution picker. */
  registryId?: string;
  /** Legacy server: required. */
  authenticatingInstitutionId?: string;
  contextInstitutionId?: string;
}

/** The login URL the browser is sent to. */
export function buildAuthorizationUrl(input: AuthorizationUrlInput): string {
  const params = new URLSearchParams();
  if (input.server.protocol === 'current') {
    params.set('client_id', input.clientId);
    params.set('redirect_uri', input.redirectUri);
    params.set('response_type', 'code');
    params.set('scope', input.scopes.join(' '));
    params.set('state', input.state);
    if (input.codeChallenge) {
      params.set('code_challenge', input.codeChallenge);
      params.set('code_challenge_method', 'S256');
    }
    const path = input.registryId ? `/auth/${encodeURIComponent(input.registryId)}` : '/auth';
    return `${input.server.base}${path}?${params}`;
  }
  if (!input.authenticatingInstitutionId) {
    throw new OclcConfigError(
      'the legacy server needs authenticatingInstitutionId',
      'authenticatingInstitutionId',
    );
  }
  params.set('client_id', input.clientId);
  params.set('authenticatingInstitutionId', input.authenticatingInstitutionId);
  params.set('contextInstitutionId', input.contextInstitutionId ?? input.authenticatingInstitutionId);
  params.set('redirect_uri', input.redirectUri);
  params.set('response_type', 'code');
  params.set('scope', input.scopes.join(' '));
  params.set('state', input.state);
  return `${input.server.base}/authorizeCode?${params}`;
}

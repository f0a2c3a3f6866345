// The three grants, shared by the current token endpoint and the legacy one.
import type { Principal } from '../core/hmac.js';
import { computeCodeChallenge, isValidCodeVerifier } from '../core/pkce.js';
import { splitScopes } from '../core/token-record.js';
import { oclcError, type SimContext, scopeAllowed } from './context.js';
import type { SimulatorClient } from './options.js';
import type { Grant, IssuedTokens } from './state.js';

export type GrantResult =
  | { ok: true; issued: IssuedTokens; dropAfterRotate?: boolean }
  | { ok: false; status: number; body: Record<string, unknown> };

function invalid(kind: string, details: string, status = 400): GrantResult {
  return { ok: false, status, body: oclcError(status, kind, details) };
}

function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** The token response body in OCLC's shape (design.md 3.3). */
export function tokenResponse(
  ctx: SimContext,
  issued: IssuedTokens,
  flavor: 'current' | 'legacy',
): Record<string, unknown> {
  const now = ctx.state.clock();
  const asSeconds = (until: number) => {
    const s = Math.max(0, Math.round((until - now) / 1000));
    return ctx.options.expiresInAs === 'string' ? String(s) : s;
  };
  const a = issued.access;
  const body: Record<string, unknown> = {
    access_token: issued.accessToken,
    token_type: 'bearer',
    expires_in: asSeconds(a.expiresAt),
    expires_at: formatTime(a.expiresAt),
    scope: a.scopes.join(' '),
    authenticating_institution_id: a.authenticatingInstitutionId,
    principalID: a.principal?.principalId ?? '',
    principalIDNS: a.principal?.principalIdns ?? '',
  };
  // The legacy server spelled it in camel case; the parser must read both.
  if (flavor === 'legacy') body.contextInstitutionId = a.contextInstitutionId;
  else {
    body.context_institution_id = a.contextInstitutionId;
    body.scopes = a.scopes.join(' ');
  }
  if (issued.refreshToken && issued.refresh) {
    body.refresh_token = issued.refreshToken;
    body.refresh_token_expires_in = asSeconds(issued.refresh.expiresAt);
    body.refresh_token_expires_at = formatTime(issued.refresh.expiresAt);
  }
  return body;
}

export function authorizationCodeGrant(
  ctx: SimContext,
  client: SimulatorClient,
  params: Map<string, string>,
): GrantResult {
  const code = params.get('code');
  const redirectUri = params.get('redirect_uri');
  if (!code) return invalid('invalid_request', 'code is required');
  if (!redirectUri) return invalid('invalid_request', 'redirect_uri is required');
  const entry = ctx.state.codes.get(code);
  if (!entry || entry.clientId !== client.key)
    return invalid('invalid_grant', 'Authorization code is invalid');
  if (entry.used) {
    // A code used twice: revoke what the first use issued (RFC 6749 4.1.2).
    ctx.state.revokeFamily(entry.familyId);
    return invalid('invalid_grant', 'Authorization code was already used');
  }
  // Single use: any attempt spends the code, even one that fails the checks below.
  entry.used = true;
  if (entry.expiresAt <= ctx.state.clock()) return invalid('invalid_grant', 'Authorization code is expired');
  if (entry.redirectUri !== redirectUri)
    return invalid('invalid_grant', 'redirect_uri does not match the login request');
  if (entry.codeChallenge) {
    const verifier = params.get('code_verifier');
    if (!isValidCodeVerifier(verifier))
      return invalid('invalid_grant', 'code_verifier is missing or malformed');
    if (computeCodeChallenge(verifier) !== entry.codeChallenge)
      return invalid('invalid_grant', 'code_verifier does not match');
  }
  const grant: Grant = {
    clientId: client.key,
    scopes: entry.scopes,
    authenticatingInstitutionId: entry.authenticatingInstitutionId,
    contextInstitutionId: entry.contextInstitutionId,
    principal: entry.principal,
  };
  // Every login gets a family, so a reused code can revoke what it issued.
  const issued = ctx.state.issueTokens(grant, {
    refresh: entry.scopes.includes('refresh_token'),
    newFamily: true,
  });
  entry.familyId = issued.access.familyId;
  return { ok: true, issued };
}

export function clientCredentialsGrant(
  ctx: SimContext,
  client: SimulatorClient,
  params: Map<string, string>,
  options: { principal?: Principal | null; institution?: string | null } = {},
): GrantResult {
  const scopes = splitScopes(params.get('scope') ?? '');
  if (scopes.length === 0) return invalid('invalid_request', 'scope is required');
  const refused = scopes.filter((s) => !scopeAllowed(ctx, client, s));
  if (refused.length > 0) {
    const list = refused.join(', ');
    return {
      ok: false,
      status: 403,
      body: {
        code: 403,
        message: `Invalid scope(s): ${list} (${list}) [Invalid service specified, Not on key]`,
      },
    };
  }
  const context = scopes.find((s) => s.startsWith('context:'))?.slice('context:'.length);
  const institution =
    options.institution ?? context ?? client.institution ?? ctx.options.institutions[0]!.registryId;
  const granted = scopes.filter((s) => s !== 'refresh_token');
  const issued = ctx.state.issueTokens(
    {
      clientId: client.key,
      scopes: granted,
      authenticatingInstitutionId: institution,
      contextInstitutionId: context ?? institution,
      principal: options.principal ?? null,
    },
    { refresh: false },
  );
  return { ok: true, issued };
}

export function refreshTokenGrant(
  ctx: SimContext,
  client: SimulatorClient,
  params: Map<string, string>,
): GrantResult {
  const value = params.get('refresh_token');
  if (!value) return invalid('invalid_request', 'refresh_token is required');
  const entry = ctx.state.refreshTokens.get(value);
  if (!entry || entry.clientId !== client.key) return invalid('invalid_grant', 'Refresh token is invalid');
  if (entry.revoked) return invalid('invalid_grant', 'Refresh token was revoked');
  if (entry.expiresAt <= ctx.state.clock()) return invalid('invalid_grant', 'Refresh token is expired');
  if (ctx.options.rotateRefreshTokens) {
    if (entry.used) {
      // Reuse of a rotated token: someone replayed it. Revoke the whole family.
      if (ctx.options.reuseDetection) ctx.state.revokeFamily(entry.familyId);
      return invalid('invalid_grant', 'Refresh token was already used; the token family is revoked');
    }
    entry.used = true;
  }
  const grant: Grant = {
    clientId: entry.clientId,
    scopes: entry.scopes,
    authenticatingInstitutionId: entry.authenticatingInstitutionId,
    contextInstitutionId: entry.contextInstitutionId,
    principal: entry.principal,
  };
  const issued = ctx.state.issueTokens(grant, {
    refresh: ctx.options.rotateRefreshTokens,
    familyId: entry.familyId,
  });
  const dropAfterRotate = ctx.options.rotateRefreshTokens && ctx.faults.takeDropAfterRotate();
  return { ok: true, issued, dropAfterRotate };
}

// The token endpoints: current `POST /token` (Basic credentials, form body or query) and legacy
// `POST /oauth2/accessToken` (HMAC-signed, parameters in the query), with OCLC's hazards: lock-out
// after failed authentications and a rolling request cap.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { oclcError, type SimContext, sameSecret, shortId, verifyHmacRequest } from './context.js';
import {
  authorizationCodeGrant,
  clientCredentialsGrant,
  type GrantResult,
  refreshTokenGrant,
  tokenResponse,
} from './grants.js';
import { BodyTooLargeError, readBody, sendJson, singleParams } from './http-util.js';
import type { SimulatorClient } from './options.js';

type Auth =
  | { ok: true; client: SimulatorClient }
  | { ok: false; status: number; body: Record<string, unknown> };

const LOCKED_BODY = { error: { errorMessage: 'unauthorized_client', errorCode: 403 } };

function lockedOut(): Auth {
  return { ok: false, status: 403, body: LOCKED_BODY };
}

function refused(ctx: SimContext, client: SimulatorClient | undefined, key: string, message?: string): Auth {
  if (client && ctx.state.authFailed(client.key)) return lockedOut();
  return { ok: false, status: 401, body: oclcError(401, message ?? `WSKey '${shortId(key)}' is invalid`) };
}

function decodeForm(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** Basic credentials, raw or form-encoded (RFC 6749 2.3.1); both are accepted. */
function basicAuth(ctx: SimContext, header: string | undefined): Auth {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return { ok: false, status: 401, body: oclcError(401, 'Basic credentials are required') };
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { ok: false, status: 401, body: oclcError(401, 'Basic credentials are malformed') };
  const rawKey = decoded.slice(0, colon);
  const rawSecret = decoded.slice(colon + 1);
  const formKey = decodeForm(rawKey);
  const client = ctx.clients.get(rawKey) ?? (formKey === null ? undefined : ctx.clients.get(formKey));
  if (!client) return refused(ctx, undefined, rawKey);
  if (ctx.state.isLocked(client.key)) return lockedOut();
  const formSecret = decodeForm(rawSecret);
  if (
    sameSecret(client.secret, rawSecret) ||
    (formSecret !== null && sameSecret(client.secret, formSecret))
  ) {
    return { ok: true, client };
  }
  return refused(ctx, client, client.key);
}

function answer(
  ctx: SimContext,
  res: ServerResponse,
  grantType: string,
  result: GrantResult,
  flavor: 'current' | 'legacy',
): void {
  ctx.state.countToken(grantType, result.ok ? 'ok' : 'failed');
  if (!result.ok) {
    sendJson(res, result.status, result.body);
    return;
  }
  if (result.dropAfterRotate) {
    // The refresh token has rotated; the client never hears about it.
    res.socket?.destroy();
    return;
  }
  sendJson(res, 200, tokenResponse(ctx, result.issued, flavor));
}

function capped(ctx: SimContext, res: ServerResponse, client: SimulatorClient, grantType: string): boolean {
  const cap = ctx.state.countRequest(client.key);
  if (cap.allowed) return false;
  ctx.state.countToken(grantType, 'failed');
  sendJson(
    res,
    429,
    oclcError(429, 'Too Many Requests', 'The daily request limit for this WSKey is reached'),
    {
      'retry-after': cap.retryAfterSeconds,
    },
  );
  return true;
}

/** POST /token on the current server. */
export async function handleToken(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  let body: string;
  try {
    body = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLargeError)
      return sendJson(res, 413, oclcError(413, 'Request body is too large'));
    throw err;
  }
  const merged = singleParams(url.searchParams, new URLSearchParams(body));
  const grantType = (merged.ok ? merged.params.get('grant_type') : undefined) ?? 'unknown';
  const auth = basicAuth(ctx, req.headers.authorization);
  if (!auth.ok) {
    ctx.state.countToken(grantType, 'failed');
    return sendJson(res, auth.status, auth.body);
  }
  if (capped(ctx, res, auth.client, grantType)) return;
  if (!merged.ok) {
    ctx.state.countToken(grantType, 'failed');
    return sendJson(res, 400, oclcError(400, 'invalid_request', `Parameter ${merged.repeated} is repeated`));
  }
  const params = merged.params;
  switch (grantType) {
    case 'authorization_code':
      return answer(ctx, res, grantType, authorizationCodeGrant(ctx, auth.client, params), 'current');
    case 'client_credentials':
      return answer(ctx, res, grantType, clientCredentialsGrant(ctx, auth.client, params), 'current');
    case 'refresh_token':
      return answer(ctx, res, grantType, refreshTokenGrant(ctx, auth.client, params), 'current');
    default:
      ctx.state.countToken(grantType, 'failed');
      return sendJson(res, 400, oclcError(400, 'unsupported_grant_type', 'grant_type is missing or unknown'));
  }
}

/** POST /oauth2/accessToken on the legacy server. */
export async function handleLegacyToken(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  req.resume(); // the body is ignored; parameters are in the signed query
  const single = singleParams(url.searchParams);
  const grantType = (single.ok ? single.params.get('grant_type') : undefined) ?? 'unknown';
  const verified = verifyHmacRequest(ctx, req, 'POST', url);
  const fail = (status: number, body: Record<string, unknown>) => {
    ctx.state.countToken(grantType, 'failed');
    sendJson(res, status, body);
  };
  if (!verified.ok) {
    if (verified.clientId && ctx.state.isLocked(verified.clientId)) return fail(403, LOCKED_BODY);
    const client = verified.clientId ? ctx.clients.get(verified.clientId) : undefined;
    const outcome = refused(
      ctx,
      verified.reason === 'bad_signature' ? client : undefined,
      verified.clientId ?? '',
      verified.message,
    );
    if (!outcome.ok) return fail(outcome.status, outcome.body);
    return;
  }
  const client = ctx.clients.get(verified.clientId)!;
  if (capped(ctx, res, client, grantType)) return;
  if (!single.ok)
    return fail(400, oclcError(400, 'invalid_request', `Parameter ${single.repeated} is repeated`));
  const params = single.params;
  const institution = params.get('authenticatingInstitutionId');
  if (grantType !== 'refresh_token') {
    if (!institution)
      return fail(400, oclcError(400, 'invalid_request', 'authenticatingInstitutionId is required'));
    if (!ctx.institutions.has(institution))
      return fail(400, oclcError(400, 'invalid_request', 'authenticatingInstitutionId is unknown'));
  }
  switch (grantType) {
    case 'authorization_code':
      return answer(ctx, res, grantType, authorizationCodeGrant(ctx, client, params), 'legacy');
    case 'client_credentials': {
      const context = params.get('contextInstitutionId') ?? institution!;
      if (!ctx.institutions.has(context))
        return fail(400, oclcError(400, 'invalid_request', 'contextInstitutionId is unknown'));
      const result = clientCredentialsGrant(ctx, client, params, {
        principal: verified.principal ?? null,
        institution,
      });
      if (result.ok) result.issued.access.contextInstitutionId = context;
      return answer(ctx, res, grantType, result, 'legacy');
    }
    case 'refresh_token':
      return answer(ctx, res, grantType, refreshTokenGrant(ctx, client, params), 'legacy');
    default:
      return fail(400, oclcError(400, 'unsupported_grant_type', 'grant_type is missing or unknown'));
  }
}

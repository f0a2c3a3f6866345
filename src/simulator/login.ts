// The browser side of both authorization servers: institution picker, login form, and the redirect
// back with a code (or an error) — only ever to a registered redirect URI.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { splitScopes } from '../core/token-record.js';
import { type SimContext, sameSecret, scopeAllowed } from './context.js';
import { readBody, redirect, sendHtml, singleParams } from './http-util.js';
import type { SimulatorClient } from './options.js';
import { errorPage, loginPage, pickerPage } from './pages.js';

interface LoginRequest {
  client: SimulatorClient;
  redirectUri: string;
  state: string | undefined;
  scopes: string[];
  codeChallenge: string | null;
  institution: string | undefined;
  query: URLSearchParams;
}

function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

/**
 * Checks a login request. Before the redirect URI is known to be registered, problems are shown on
 * an error page (never redirected); after, they go back to the app as `error=…`.
 */
function parseLoginRequest(
  ctx: SimContext,
  res: ServerResponse,
  query: URLSearchParams,
  flavor: 'current' | 'legacy',
  pathInstitution?: string,
): LoginRequest | null {
  const single = singleParams(query);
  if (!single.ok) {
    sendHtml(res, 400, errorPage('Invalid request', `The parameter ${single.repeated} is repeated.`));
    return null;
  }
  const p = single.params;
  const client = ctx.clients.get(p.get('client_id') ?? '');
  if (!client) {
    sendHtml(res, 400, errorPage('Invalid request', 'The client_id is not a registered WSKey.'));
    return null;
  }
  const redirectUri = p.get('redirect_uri') ?? '';
  if (!client.redirectUris.includes(redirectUri)) {
    sendHtml(res, 400, errorPage('Invalid request', 'The redirect_uri is not registered for this WSKey.'));
    return null;
  }
  const state = p.get('state');
  const fail = (error: string, description: string) => {
    redirect(res, withParams(redirectUri, { error, error_description: description, state }));
    return null;
  };
  if (p.get('response_type') !== 'code')
    return fail('unsupported_response_type', 'response_type must be code');
  const requested = splitScopes(p.get('scope') ?? '');
  if (requested.length === 0) return fail('invalid_scope', 'scope is required');
  // Tokens may come back with fewer scopes than asked: grant what the key allows.
  const scopes = requested.filter((s) => scopeAllowed(ctx, client, s));
  if (scopes.length === 0) return fail('invalid_scope', 'None of the requested scopes is on this WSKey');
  let codeChallenge: string | null = null;
  if (flavor === 'current' && p.has('code_challenge')) {
    if ((p.get('code_challenge_method') ?? 'plain') !== 'S256')
      return fail('invalid_request', 'code_challenge_method must be S256');
    codeChallenge = p.get('code_challenge') ?? '';
    if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge))
      return fail('invalid_request', 'code_challenge is malformed');
  }
  const institution = flavor === 'legacy' ? p.get('authenticatingInstitutionId') : pathInstitution;
  if (institution !== undefined && !ctx.institutions.has(institution)) {
    sendHtml(res, 404, errorPage('Unknown institution', 'No institution has that registry id.'));
    return null;
  }
  return { client, redirectUri, state, scopes, codeChallenge, institution, query };
}

/** GET /auth — the institution picker. */
export function handlePicker(ctx: SimContext, res: ServerResponse, url: URL): void {
  const login = parseLoginRequest(ctx, res, url.searchParams, 'current');
  if (!login) return;
  sendHtml(res, 200, pickerPage([...ctx.institutions.values()], url.searchParams.toString(), '/auth'));
}

/** GET and POST of a login form: /auth/:registryId (current) and /oauth2/authorizeCode (legacy). */
export async function handleLogin(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  flavor: 'current' | 'legacy',
  pathInstitution?: string,
): Promise<void> {
  const login = parseLoginRequest(ctx, res, url.searchParams, flavor, pathInstitution);
  if (!login) return;
  if (!login.institution) {
    sendHtml(res, 400, errorPage('Invalid request', 'authenticatingInstitutionId is required.'));
    return;
  }
  const institution = ctx.institutions.get(login.institution)!;
  const action = `${url.pathname}${url.search}`;
  const show = (status: number, error?: string, username?: string) =>
    sendHtml(
      res,
      status,
      loginPage({ institution, clientName: login.client.key, scopes: login.scopes, action, error, username }),
    );
  if (req.method === 'GET') return show(200);

  const form = singleParams(new URLSearchParams(await readBody(req, 16 * 1024)));
  if (!form.ok) return show(400, `The field ${form.repeated} is repeated.`);
  if (form.params.get('action') === 'deny') {
    redirect(
      res,
      withParams(login.redirectUri, {
        error: 'access_denied',
        error_description: 'The user denied access',
        state: login.state,
      }),
    );
    return;
  }
  const username = form.params.get('username') ?? '';
  const password = form.params.get('password') ?? '';
  const user = ctx.users.find((u) => u.username === username && u.institution === login.institution);
  if (!user || !sameSecret(user.password, password))
    return show(401, 'Wrong username or password for this institution.', username);
  const context = login.scopes.find((s) => s.startsWith('context:'))?.slice('context:'.length);
  const code = ctx.state.issueCode({
    clientId: login.client.key,
    redirectUri: login.redirectUri,
    scopes: login.scopes,
    codeChallenge: login.codeChallenge,
    authenticatingInstitutionId: login.institution,
    contextInstitutionId:
      (flavor === 'legacy' ? login.query.get('contextInstitutionId') : undefined) ??
      context ??
      login.institution,
    principal: { principalId: user.principalId, principalIdns: user.principalIdns },
  });
  redirect(res, withParams(login.redirectUri, { code, state: login.state }));
}

// The simulator behaves like OCLC, including the awkward parts (design.md 3).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  computeCodeChallenge,
  createPkce,
  marcControl,
  OclcConfigError,
  parseErrorBody,
  parseMarcXml,
  parseTokenResponse,
  type Simulator,
  signRequest,
  startSimulator,
} from '../src/index.js';
import { REDIRECT_URI, submitLogin } from './helpers/simulator.js';

const KEY = 'simulator-key';
const SECRET = 'simulator-secret';
const basic = (key = KEY, secret = SECRET) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

let now = Date.now();
let sim: Simulator;

before(async () => {
  sim = await startSimulator({
    redirectUris: [REDIRECT_URI],
    admin: true,
    clock: () => now,
    clients: [
      {
        key: KEY,
        secret: SECRET,
        redirectUris: [REDIRECT_URI],
        scopes: ['WorldCatMetadataAPI', 'wcapi', 'refresh_token'],
      },
      { key: 'search-only', secret: 'search-secret', redirectUris: [REDIRECT_URI], scopes: ['wcapi'] },
    ],
  });
});
after(() => sim.close());
beforeEach(() => {
  now = Date.now();
  sim.reset();
});

function loginUrl(params: Record<string, string> = {}, path = '/auth/128807'): string {
  const q = new URLSearchParams({
    client_id: KEY,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    scope: 'WorldCatMetadataAPI refresh_token',
    state: 'st-1',
    ...params,
  });
  return `${sim.url}${path}?${q}`;
}

async function token(
  params: Record<string, string>,
  init: { auth?: string; query?: Record<string, string> } = {},
) {
  const query = init.query ? `?${new URLSearchParams(init.query)}` : '';
  const res = await fetch(`${sim.url}/token${query}`, {
    method: 'POST',
    headers: {
      authorization: init.auth ?? basic(),
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
}

async function codeFor(params: Record<string, string> = {}): Promise<string> {
  const r = await submitLogin(loginUrl(params));
  assert.equal(r.status, 302, r.html);
  return new URL(r.location!).searchParams.get('code')!;
}

async function appToken(scope = 'WorldCatMetadataAPI'): Promise<string> {
  const r = await token({ grant_type: 'client_credentials', scope });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.access_token as string;
}

async function api(path: string, accessToken?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}${path}`, {
    headers: { ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}), ...headers },
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    text: await res.text(),
    headers: res.headers,
  };
}

describe('shape and defaults', () => {
  it('binds 127.0.0.1 on a free port with the documented defaults', async () => {
    const s = await startSimulator();
    try {
      assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(s.port, 0);
      const r = await submitLogin(
        `${s.url}/auth/128807?${new URLSearchParams({ client_id: KEY, redirect_uri: 'http://localhost:3000/auth/callback', response_type: 'code', scope: 'WorldCatMetadataAPI wcapi refresh_token', state: 'x' })}`,
        { username: 'librarian', password: 'oclc-sandbox' },
      );
      assert.equal(r.status, 302);
      assert.ok(r.location?.startsWith('http://localhost:3000/auth/callback?code=auth_'));
    } finally {
      await s.close();
    }
  });

  it('refuses bad options with a typed error naming the option', async () => {
    await assert.rejects(
      startSimulator({ accessTokenSeconds: 0 }),
      (e: unknown) => e instanceof OclcConfigError && e.field === 'accessTokenSeconds',
    );
    await assert.rejects(
      startSimulator({ redirectUris: ['not a url'] }),
      (e: unknown) => e instanceof OclcConfigError && e.field === 'redirectUris.0',
    );
  });
});

describe('current server: login pages', () => {
  it('GET /auth shows an institution picker that keeps the request', async () => {
    const res = await fetch(loginUrl({}, '/auth'));
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(html, /Choose your institution/);
    assert.match(html, /href="\/auth\/128807\?client_id=simulator-key&amp;/);
    assert.match(html, /href="\/auth\/91475\?/);
  });

  it('GET /auth/:registryId shows a login form with username and password', async () => {
    const res = await fetch(loginUrl());
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(html, /<input id="username" name="username"/);
    assert.match(html, /<input id="password" name="password" type="password"/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });

  it('redirects to the exact redirect URI with a code and the state', async () => {
    const r = await submitLogin(loginUrl({ state: 'a b&c' }));
    assert.equal(r.status, 302);
    const url = new URL(r.location!);
    assert.equal(`${url.origin}${url.pathname}`, REDIRECT_URI);
    assert.match(url.searchParams.get('code')!, /^auth_/);
    assert.equal(url.searchParams.get('state'), 'a b&c');
  });

  it('"deny" sends error=access_denied with the state', async () => {
    const r = await submitLogin(loginUrl(), { action: 'deny' });
    const url = new URL(r.location!);
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.equal(url.searchParams.get('state'), 'st-1');
    assert.equal(url.searchParams.get('code'), null);
  });

  it('a wrong password shows the form again, escaped, and no redirect', async () => {
    const r = await submitLogin(loginUrl(), { username: '<script>alert(1)</script>', password: 'nope' });
    assert.equal(r.status, 401);
    assert.equal(r.location, null);
    assert.ok(!r.html.includes('<script>alert(1)'));
    assert.ok(r.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.match(r.html, /Wrong username or password/);
  });

  const never: Array<[string, Record<string, string>, number]> = [
    ['an unknown client', { client_id: 'nobody' }, 400],
    ['an unregistered redirect URI', { redirect_uri: 'https://evil.example/cb' }, 400],
    ['a redirect URI that only starts like a registered one', { redirect_uri: `${REDIRECT_URI}/../x` }, 400],
    ['a redirect URI with an extra query', { redirect_uri: `${REDIRECT_URI}?next=evil` }, 400],
  ];
  for (const [name, params, status] of never) {
    it(`${name} gets an error page, never a redirect`, async () => {
      for (const method of ['GET', 'POST'] as const) {
        const res = await fetch(loginUrl(params), {
          method,
          redirect: 'manual',
          body: method === 'POST' ? 'username=librarian&password=oclc-sandbox' : undefined,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        assert.equal(res.status, status);
        assert.equal(res.headers.get('location'), null);
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      }
    });
  }

  it('an unknown institution gets a 404 page', async () => {
    const res = await fetch(loginUrl({}, '/auth/999999'), { redirect: 'manual' });
    assert.equal(res.status, 404);
  });

  it('a repeated parameter gets an error page', async () => {
    const res = await fetch(`${loginUrl()}&state=second`, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
  });

  it('after the redirect URI checks out, protocol errors go back to the app', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: 'NotAService' }, 'invalid_scope'],
      [{ code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      const res = await fetch(loginUrl(params), { redirect: 'manual' });
      assert.equal(res.status, 302, JSON.stringify(params));
      const url = new URL(res.headers.get('location')!);
      assert.equal(url.searchParams.get('error'), error);
      assert.equal(url.searchParams.get('state'), 'st-1');
    }
  });

  it('grants fewer scopes than asked when some are not on the key', async () => {
    const code = await codeFor({ scope: 'WorldCatMetadataAPI NotOnKey' });
    const r = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    assert.equal(r.json.scope, 'WorldCatMetadataAPI');
    assert.equal(r.json.refresh_token, undefined);
  });
});

describe('current server: POST /token', () => {
  it('answers a code exchange in OCLC shape', async () => {
    const code = await codeFor();
    const r = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    assert.equal(r.status, 200);
    const j = r.json;
    assert.match(j.access_token as string, /^tk_/);
    assert.match(j.refresh_token as string, /^rt_/);
    assert.equal(j.token_type, 'bearer');
    assert.equal(j.expires_in, 1199);
    assert.match(j.expires_at as string, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    assert.equal(j.authenticating_institution_id, '128807');
    assert.equal(j.context_institution_id, '128807');
    assert.equal(j.principalID, '8eaa9f92-3951-431c-975a-e5b4b7b5e3a0');
    assert.equal(j.refresh_token_expires_in, 7 * 24 * 3600);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    // Our own parser reads the simulator's answer.
    assert.equal(
      parseTokenResponse(j, { receivedAt: now }).scopes.join(' '),
      'WorldCatMetadataAPI refresh_token',
    );
  });

  it('accepts grant parameters in the query, as OCLC examples send them', async () => {
    const r = await fetch(`${sim.url}/token?grant_type=client_credentials&scope=WorldCatMetadataAPI`, {
      method: 'POST',
      headers: { authorization: basic() },
    });
    assert.equal(r.status, 200);
  });

  it('a code is single use; reuse revokes what it issued', async () => {
    const code = await codeFor();
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    assert.equal(
      (await api('/worldcat/manage/bibs/823520553', first.json.access_token as string)).status,
      200,
    );
    const second = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    assert.equal(second.status, 400);
    assert.equal(parseErrorBody(JSON.stringify(second.json)).oauthError, 'invalid_grant');
    assert.equal(
      (await api('/worldcat/manage/bibs/823520553', first.json.access_token as string)).status,
      401,
    );
  });

  it('a code lives ten minutes', async () => {
    const code = await codeFor();
    now += 600_001;
    const r = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    assert.equal(r.status, 400);
    assert.match(String(r.json.details), /expired/);
  });

  it('a code is bound to its client and redirect URI', async () => {
    const code1 = await codeFor();
    const other = await token(
      { grant_type: 'authorization_code', code: code1, redirect_uri: REDIRECT_URI },
      { auth: basic('search-only', 'search-secret') },
    );
    assert.equal(other.status, 400);
    const code2 = await codeFor();
    const wrongUri = await token({
      grant_type: 'authorization_code',
      code: code2,
      redirect_uri: 'http://app.test/other',
    });
    assert.equal(wrongUri.status, 400);
    assert.match(String(wrongUri.json.details), /redirect_uri/);
  });

  it('a code sent with a challenge needs the matching verifier', async () => {
    const pkce = createPkce();
    const code = await codeFor({ code_challenge: pkce.challenge, code_challenge_method: 'S256' });
    const missing = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    assert.equal(missing.status, 400);
    const code2 = await codeFor({ code_challenge: pkce.challenge, code_challenge_method: 'S256' });
    assert.equal(computeCodeChallenge(pkce.verifier), pkce.challenge);
    const ok = await token({
      grant_type: 'authorization_code',
      code: code2,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce.verifier,
    });
    assert.equal(ok.status, 200);
  });

  it('client credentials: scopes checked against the key, context:<registryId> honoured', async () => {
    const ok = await token({ grant_type: 'client_credentials', scope: 'wcapi context:91475' });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.context_institution_id, '91475');
    assert.equal(ok.json.principalID, '');
    const badScope = await token({ grant_type: 'client_credentials', scope: 'MetadataAPI' });
    assert.equal(badScope.status, 403);
    assert.equal(
      badScope.json.message,
      'Invalid scope(s): MetadataAPI (MetadataAPI) [Invalid service specified, Not on key]',
    );
    const badContext = await token({ grant_type: 'client_credentials', scope: 'wcapi context:999' });
    assert.equal(badContext.status, 403);
    const notOnKey = await token(
      { grant_type: 'client_credentials', scope: 'WorldCatMetadataAPI' },
      { auth: basic('search-only', 'search-secret') },
    );
    assert.equal(notOnKey.status, 403);
  });

  it('refresh with rotation: reuse of an old refresh token revokes the whole family', async () => {
    const code = await codeFor();
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    const second = await token({
      grant_type: 'refresh_token',
      refresh_token: first.json.refresh_token as string,
    });
    assert.equal(second.status, 200);
    assert.notEqual(second.json.refresh_token, first.json.refresh_token);
    const replay = await token({
      grant_type: 'refresh_token',
      refresh_token: first.json.refresh_token as string,
    });
    assert.equal(replay.status, 400);
    assert.equal(
      (await api('/worldcat/manage/bibs/823520553', second.json.access_token as string)).status,
      401,
    );
    assert.equal(
      (await token({ grant_type: 'refresh_token', refresh_token: second.json.refresh_token as string }))
        .status,
      400,
    );
    assert.equal(sim.stats().familiesRevoked, 1);
  });

  it('an expired refresh token is refused', async () => {
    const code = await codeFor();
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    now += 7 * 24 * 3600 * 1000 + 1;
    const r = await token({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token as string });
    assert.equal(r.status, 400);
    assert.match(String(r.json.details), /expired/);
  });

  const bad: Array<[string, () => Promise<{ status: number; json: Record<string, unknown> }>, number]> = [
    ['no credentials', () => token({ grant_type: 'client_credentials', scope: 'wcapi' }, { auth: '' }), 401],
    [
      'malformed Basic',
      () => token({ grant_type: 'client_credentials', scope: 'wcapi' }, { auth: 'Basic !!!' }),
      401,
    ],
    [
      'Basic without a colon',
      () =>
        token(
          { grant_type: 'client_credentials', scope: 'wcapi' },
          { auth: `Basic ${Buffer.from('nocolon').toString('base64')}` },
        ),
      401,
    ],
    [
      'an unknown key',
      () => token({ grant_type: 'client_credentials', scope: 'wcapi' }, { auth: basic('who', 'x') }),
      401,
    ],
    [
      'grant_type twice (body and query)',
      () =>
        token(
          { grant_type: 'client_credentials', scope: 'wcapi' },
          { query: { grant_type: 'client_credentials' } },
        ),
      400,
    ],
    ['an unknown grant', () => token({ grant_type: 'password' }), 400],
    ['no grant', () => token({}), 400],
    ['no scope', () => token({ grant_type: 'client_credentials' }), 400],
    [
      'a code exchange without a code',
      () => token({ grant_type: 'authorization_code', redirect_uri: REDIRECT_URI }),
      400,
    ],
    ['an unknown refresh token', () => token({ grant_type: 'refresh_token', refresh_token: 'rt_nope' }), 400],
  ];
  for (const [name, call, status] of bad) {
    it(`${name} → ${status} in OCLC shape`, async () => {
      const r = await call();
      assert.equal(r.status, status);
      const parsed = parseErrorBody(JSON.stringify(r.json), 'application/json');
      assert.ok(parsed.message, JSON.stringify(r.json));
    });
  }

  it('a huge body → 413; GET → 405; unknown path → 404; all JSON', async () => {
    const huge = await fetch(`${sim.url}/token`, {
      method: 'POST',
      headers: { authorization: basic() },
      body: 'x'.repeat(200_000),
    });
    assert.equal(huge.status, 413);
    assert.equal((await fetch(`${sim.url}/token`)).status, 405);
    const missing = await fetch(`${sim.url}/nope`);
    assert.equal(missing.status, 404);
    assert.ok(parseErrorBody(await missing.text()).message);
  });
});

describe("OCLC's hazards", () => {
  it('five failed authentications within five minutes lock the key until reset', async () => {
    for (let i = 0; i < 4; i++)
      assert.equal(
        (await token({ grant_type: 'client_credentials', scope: 'wcapi' }, { auth: basic(KEY, 'bad') }))
          .status,
        401,
      );
    assert.equal(
      (await token({ grant_type: 'client_credentials', scope: 'wcapi' })).status,
      200,
      'four failures do not lock',
    );
    const fifth = await token(
      { grant_type: 'client_credentials', scope: 'wcapi' },
      { auth: basic(KEY, 'bad') },
    );
    assert.equal(fifth.status, 403);
    assert.equal(parseErrorBody(JSON.stringify(fifth.json)).message, 'unauthorized_client');
    assert.equal(
      (await token({ grant_type: 'client_credentials', scope: 'wcapi' })).status,
      403,
      'the right secret is locked out too',
    );
    assert.equal(sim.stats().lockouts, 1);
    sim.reset();
    assert.equal((await token({ grant_type: 'client_credentials', scope: 'wcapi' })).status, 200);
  });

  it('failures older than the window do not count', async () => {
    for (let i = 0; i < 4; i++)
      await token({ grant_type: 'client_credentials', scope: 'wcapi' }, { auth: basic(KEY, 'bad') });
    now += 301_000;
    assert.equal(
      (await token({ grant_type: 'client_credentials', scope: 'wcapi' }, { auth: basic(KEY, 'bad') })).status,
      401,
    );
  });

  it('a rolling request cap answers 429 with Retry-After', async () => {
    const s = await startSimulator({ dailyRequestCap: 3, requestCapWindowSeconds: 60, clock: () => now });
    try {
      const call = () =>
        fetch(`${s.url}/token`, {
          method: 'POST',
          headers: { authorization: basic() },
          body: 'grant_type=client_credentials&scope=wcapi',
        });
      const tk = (await (await call()).json()) as { access_token: string };
      assert.equal((await call()).status, 200);
      const apiRes = await fetch(`${s.url}/worldcat/search/brief-bibs/823520553`, {
        headers: { authorization: `Bearer ${tk.access_token}` },
      });
      assert.equal(apiRes.status, 200, 'API calls count too');
      const limited = await call();
      assert.equal(limited.status, 429);
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 60, String(retryAfter));
      now += 61_000;
      assert.equal((await call()).status, 200, 'the window rolls on');
    } finally {
      await s.close();
    }
  });
});

describe('legacy server', () => {
  function signedPost(
    query: Record<string, string>,
    opts: { secret?: string; clock?: () => number; nonce?: string } = {},
  ) {
    const url = `${sim.legacyUrl}/accessToken?${new URLSearchParams(query)}`;
    const { authorization } = signRequest({
      key: KEY,
      secret: opts.secret ?? SECRET,
      method: 'POST',
      url,
      clock: opts.clock ?? (() => now),
      nonce: opts.nonce,
    });
    return fetch(url, { method: 'POST', headers: { authorization } });
  }
  const cc = {
    grant_type: 'client_credentials',
    authenticatingInstitutionId: '128807',
    contextInstitutionId: '128807',
    scope: 'WorldCatMetadataAPI',
  };

  it('answers with contextInstitutionId spelled in camel case', async () => {
    const r = await signedPost(cc);
    const j = (await r.json()) as Record<string, unknown>;
    assert.equal(r.status, 200);
    assert.equal(j.contextInstitutionId, '128807');
  });

  it('refuses a timestamp more than five minutes off', async () => {
    const r = await signedPost(cc, { clock: () => now - 301_000 });
    assert.equal(r.status, 401);
    assert.equal((await signedPost(cc, { clock: () => now - 290_000 })).status, 200);
  });

  it('refuses a nonce used twice in the window', async () => {
    assert.equal((await signedPost(cc, { nonce: 'same-nonce' })).status, 200);
    const again = await signedPost(cc, { nonce: 'same-nonce' });
    assert.equal(again.status, 401);
    assert.equal(((await again.json()) as { message: string }).message, 'Nonce was already used');
  });

  it('refuses a request whose query differs from the signed one', async () => {
    const url = `${sim.legacyUrl}/accessToken?${new URLSearchParams(cc)}`;
    const { authorization } = signRequest({
      key: KEY,
      secret: SECRET,
      method: 'POST',
      url,
      clock: () => now,
    });
    const r = await fetch(url.replace('WorldCatMetadataAPI', 'wcapi'), {
      method: 'POST',
      headers: { authorization },
    });
    assert.equal(r.status, 401);
  });

  it('needs the institution ids', async () => {
    const { authenticatingInstitutionId: _a, ...rest } = cc;
    assert.equal((await signedPost(rest)).status, 400);
    assert.equal((await signedPost({ ...cc, authenticatingInstitutionId: '5' })).status, 400);
  });

  it('shows the login page for the authenticating institution', async () => {
    const q = new URLSearchParams({
      client_id: KEY,
      authenticatingInstitutionId: '91475',
      contextInstitutionId: '91475',
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'WorldCatMetadataAPI',
    });
    const res = await fetch(`${sim.legacyUrl}/authorizeCode?${q}`);
    assert.match(await res.text(), /Example University Library/);
  });
});

describe('Metadata API 2.0', () => {
  it('GET /worldcat/manage/bibs/:n returns MARCXML', async () => {
    const r = await api('/worldcat/manage/bibs/823520553', await appToken());
    assert.equal(r.status, 200);
    assert.match(r.type ?? '', /^application\/marcxml\+xml/);
    const record = parseMarcXml(r.text);
    assert.equal(marcControl(record!, '001'), 'ocn823520553');
  });

  it('accepts OCLC-number prefixes', async () => {
    const tk = await appToken();
    for (const n of [
      'ocn823520553',
      'ocm42692282',
      'on823520553',
      '(OCoLC)823520553',
      '(OCoLC)ocm01039085',
      '0001039085',
    ]) {
      assert.equal((await api(`/worldcat/manage/bibs/${encodeURIComponent(n)}`, tk)).status, 200, n);
    }
  });

  it('honours Accept: MARCXML by default, 406 problem details otherwise', async () => {
    const tk = await appToken();
    assert.equal(
      (await api('/worldcat/manage/bibs/823520553', tk, { accept: 'application/marcxml+xml' })).status,
      200,
    );
    assert.equal((await api('/worldcat/manage/bibs/823520553', tk, { accept: '*/*' })).status, 200);
    const r = await api('/worldcat/manage/bibs/823520553', tk, { accept: 'application/json' });
    assert.equal(r.status, 406);
    assert.equal(JSON.parse(r.text).type, 'NOT_ACCEPTABLE');
  });

  it('GET /worldcat/search/brief-bibs/:n returns JSON derived from the MARC', async () => {
    const r = await api('/worldcat/search/brief-bibs/823520553', await appToken('wcapi'));
    assert.equal(r.status, 200);
    const j = JSON.parse(r.text);
    assert.equal(j.oclcNumber, '823520553');
    assert.equal(j.title, 'Cataloging in the cloud: a practical guide to shared bibliographic data');
    assert.equal(j.creator, 'Sandbox, Ada');
    assert.equal(j.date, '2013');
    assert.equal(j.language, 'eng');
    assert.deepEqual(j.isbns, ['9781556535956']);
  });

  it('unknown, expired or revoked tokens → 401 {"message":"Unauthorized"}', async () => {
    assert.deepEqual(JSON.parse((await api('/worldcat/manage/bibs/823520553')).text), {
      message: 'Unauthorized',
    });
    assert.equal((await api('/worldcat/manage/bibs/823520553', 'tk_unknown')).status, 401);
    const tk = await appToken();
    now += 1_200_000;
    assert.equal((await api('/worldcat/manage/bibs/823520553', tk)).status, 401);
    now = Date.now();
    const tk2 = await appToken();
    assert.equal(sim.faults.revoke(tk2), true);
    assert.equal((await api('/worldcat/manage/bibs/823520553', tk2)).status, 401);
  });

  it('a token without a fitting scope → 403', async () => {
    const r = await api('/worldcat/manage/bibs/823520553', await appToken('wcapi'));
    assert.equal(r.status, 403);
  });

  it('an unknown record → 404 problem details with detail {summary, description}', async () => {
    const r = await api('/worldcat/manage/bibs/99999999999', await appToken());
    assert.equal(r.status, 404);
    const j = JSON.parse(r.text);
    assert.deepEqual(j.detail, {
      summary: 'NOT_FOUND',
      description: 'The requested record 99999999999 was not found.',
    });
    assert.equal(parseErrorBody(r.text).message, 'The requested record 99999999999 was not found.');
  });

  it('a value that is not an OCLC number → 400', async () => {
    assert.equal((await api('/worldcat/manage/bibs/abc', await appToken())).status, 400);
    assert.equal((await api('/worldcat/manage/bibs/%E0%A4%A', await appToken())).status, 400);
  });

  it('every shipped record parses, 823520553 among them', async () => {
    const tk = await appToken();
    for (const n of ['823520553', '1039085', '829180274', '42692282', '1234567']) {
      const r = await api(`/worldcat/manage/bibs/${n}`, tk);
      assert.equal(r.status, 200, n);
      const rec = parseMarcXml(r.text)!;
      assert.ok(
        rec.fields.some((f) => f.tag === '245'),
        n,
      );
    }
  });

  it('legacy GET /bib/data/:n is HMAC-protected and Atom-wrapped', async () => {
    const url = `${sim.url}/bib/data/823520553?classificationScheme=LibraryOfCongress&holdingLibraryCode=MAIN`;
    const sign = () =>
      signRequest({
        key: KEY,
        secret: SECRET,
        method: 'GET',
        url,
        clock: () => now,
        user: { principalId: 'p1', principalIdns: 'urn:oclc:wms:da' },
      });
    const ok = await fetch(url, { headers: { authorization: sign().authorization } });
    const xml = await ok.text();
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('content-type') ?? '', /atom\+xml/);
    assert.match(xml, /<entry xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    assert.equal(marcControl(parseMarcXml(xml)!, '001'), 'ocn823520553');
    const bad = await fetch(url, {
      headers: { authorization: signRequest({ key: KEY, secret: 'x', method: 'GET', url }).authorization },
    });
    assert.equal(bad.status, 401);
    assert.equal(parseErrorBody(await bad.text(), bad.headers.get('content-type')).oclcCode, '401');
    const missing = await fetch(url.replace('823520553', '5'), {
      headers: { authorization: sign().authorization },
    });
    assert.equal(missing.status, 404);
    assert.equal(parseErrorBody(await missing.text()).oclcCode, 'WS-404');
  });
});

describe('faults and counters', () => {
  it('failNext, rateLimitNext and counters', async () => {
    sim.faults.failNext(2, { status: 503, target: 'token' });
    assert.equal((await token({ grant_type: 'client_credentials', scope: 'wcapi' })).status, 503);
    assert.equal((await token({ grant_type: 'client_credentials', scope: 'wcapi' })).status, 503);
    const tk = await appToken('wcapi');
    sim.faults.rateLimitNext(1, { retryAfterSeconds: 7 });
    const limited = await api('/worldcat/search/brief-bibs/823520553', tk);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal((await api('/worldcat/search/brief-bibs/823520553', tk)).status, 200);
    const stats = sim.stats();
    assert.deepEqual(stats.tokenRequests.client_credentials, { ok: 1, failed: 0 });
    assert.deepEqual(stats.tokenRequests.fault, { ok: 0, failed: 2 });
    assert.equal(stats.apiRequests[429], 1);
    assert.equal(stats.apiRequests[200], 1);
    assert.equal(stats.faultsInjected, 3);
  });

  it('hang holds a request until cleared', async () => {
    sim.faults.hang({ target: 'api' });
    const pending = fetch(`${sim.url}/worldcat/manage/bibs/1`).then(
      (r) => r.status,
      () => 'dropped',
    );
    const raced = await Promise.race([
      pending,
      new Promise((r) => setTimeout(() => r('still hanging'), 200)),
    ]);
    assert.equal(raced, 'still hanging');
    sim.faults.clear();
    assert.equal(await pending, 'dropped');
  });

  it('dropAfterRotate rotates the refresh token, then drops the answer', async () => {
    const code = await codeFor();
    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    sim.faults.dropAfterRotate(1);
    await assert.rejects(
      token({ grant_type: 'refresh_token', refresh_token: first.json.refresh_token as string }),
    );
    // The old token was spent: replaying it revokes the family, as OCLC would.
    const replay = await token({
      grant_type: 'refresh_token',
      refresh_token: first.json.refresh_token as string,
    });
    assert.equal(replay.status, 400);
    assert.equal(sim.stats().familiesRevoked, 1);
  });

  it('setLifetimes shortens tokens issued afterwards; clear restores them', async () => {
    sim.faults.setLifetimes({ accessTokenSeconds: 3 });
    const r = await token({ grant_type: 'client_credentials', scope: 'wcapi' });
    assert.equal(r.json.expires_in, 3);
    sim.faults.clear();
    assert.equal((await token({ grant_type: 'client_credentials', scope: 'wcapi' })).json.expires_in, 1199);
  });

  it('latency delays answers past a client timeout', async () => {
    sim.faults.latency(400, 'api');
    await assert.rejects(
      fetch(`${sim.url}/worldcat/manage/bibs/1`, { signal: AbortSignal.timeout(100) }),
      /aborted|timeout/i,
    );
    sim.faults.clear();
  });

  it('the admin API drives faults over HTTP, and is off unless enabled', async () => {
    const post = (path: string, body?: unknown) =>
      fetch(`${sim.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    assert.equal(
      (await post('/__sim/faults', { type: 'fail', count: 1, status: 502, target: 'token' })).status,
      200,
    );
    assert.equal((await token({ grant_type: 'client_credentials', scope: 'wcapi' })).status, 502);
    assert.equal((await post('/__sim/faults', { type: 'lifetimes', accessTokenSeconds: 5 })).status, 200);
    assert.equal((await token({ grant_type: 'client_credentials', scope: 'wcapi' })).json.expires_in, 5);
    const bad = await post('/__sim/faults', { type: 'explode' });
    assert.equal(bad.status, 400);
    assert.equal((await post('/__sim/faults', { type: 'fail', count: -1 })).status, 400);
    const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { faultsInjected: number };
    assert.equal(stats.faultsInjected, 1);
    assert.equal((await post('/__sim/reset')).status, 200);
    assert.equal(sim.stats().faultsInjected, 0);
    const closed = await startSimulator();
    try {
      assert.equal((await fetch(`${closed.url}/__sim/stats`)).status, 404);
    } finally {
      await closed.close();
    }
  });
});

describe('bad requests never crash it', () => {
  it('random headers, paths, queries and bodies get 4xx answers', async () => {
    const paths = [
      '/token',
      '/oauth2/accessToken',
      '/auth/128807',
      '/auth',
      '/oauth2/authorizeCode',
      '/worldcat/manage/bibs/823520553',
      '/worldcat/search/brief-bibs/1',
      '/bib/data/823520553',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom('GET', 'POST'),
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 300 }),
        fc.oneof(
          fc.constant(''),
          fc.string({ maxLength: 300 }),
          fc.constant('Basic '),
          fc.constant(
            'http://www.worldcat.org/wskey/v2/hmac/v1 clientId="simulator-key", nonce="a", nonce="b"',
          ),
        ),
        async (path, method, query, body, auth) => {
          const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
          const safeAuth = auth.replace(/[^\x20-\x7e]/g, '');
          if (safeAuth) headers.authorization = safeAuth;
          const res = await fetch(`${sim.url}${path}?${encodeURI(query)}`, {
            method,
            headers,
            body: method === 'POST' ? body : undefined,
            redirect: 'manual',
          });
          await res.arrayBuffer();
          assert.ok(res.status < 500, `${method} ${path} → ${res.status}`);
        },
      ),
      { numRuns: 150 },
    );
    assert.equal(
      (await token({ grant_type: 'client_credentials', scope: 'wcapi' })).status === 200 ||
        sim.stats().lockouts > 0,
      true,
    );
  });

  it('a huge header is refused by the server, which stays up', async () => {
    const res = await fetch(`${sim.url}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${'A'.repeat(40_000)}` },
    }).catch(() => null);
    assert.ok(res === null || res.status === 431 || res.status === 400);
    sim.reset();
    assert.equal((await token({ grant_type: 'client_credentials', scope: 'wcapi' })).status, 200);
  });
});

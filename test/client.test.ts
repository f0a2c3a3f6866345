// The OAuth client against the simulator over real HTTP, on both servers.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  ClientCredentialsCache,
  createOclcClient,
  createPkce,
  createState,
  DEFAULT_CLIENT_KEY,
  DEFAULT_CLIENT_SECRET,
  OclcAuthError,
  type OclcClientConfig,
  OclcConfigError,
  OclcNetworkError,
} from '../src/index.js';
import { loginForCode, REDIRECT_URI, useSimulator } from './helpers/simulator.js';

const ctx = useSimulator();
const noWait = async () => {};

function client(extra: Partial<OclcClientConfig> = {}) {
  return createOclcClient({
    key: DEFAULT_CLIENT_KEY,
    secret: DEFAULT_CLIENT_SECRET,
    scopes: 'WorldCatMetadataAPI refresh_token',
    redirectUri: REDIRECT_URI,
    server: ctx.sim.url,
    institution: '128807',
    sleep: noWait,
    ...extra,
  });
}

function legacyClient(extra: Partial<OclcClientConfig> = {}) {
  return client({ server: ctx.sim.legacyUrl, serverProtocol: 'legacy', ...extra });
}

beforeEach(() => ctx.sim.reset());

describe('configuration', () => {
  const bad: Array<[string, Partial<OclcClientConfig>, string]> = [
    ['no key', { key: '' }, 'key'],
    ['no secret', { secret: undefined as unknown as string }, 'secret'],
    ['no scopes', { scopes: '  ' }, 'scopes'],
    ['a relative redirect URI', { redirectUri: '/cb' }, 'redirectUri'],
    ['an institution that is not a registry id', { institution: 'abc' }, 'institution'],
    ['a server that is not a URL', { server: 'oclc' }, 'server'],
    ['an unknown setting', { scope: 'x' } as Partial<OclcClientConfig>, ''],
    ['a negative timeout', { timeouts: { total: -1 } }, 'timeouts.total'],
  ];
  for (const [name, patch, field] of bad) {
    it(`refuses ${name}, naming the setting`, () => {
      assert.throws(
        () => client(patch),
        (err: unknown) =>
          err instanceof OclcConfigError &&
          (field === '' || err.field === field) &&
          !err.message.includes(DEFAULT_CLIENT_SECRET),
      );
    });
  }

  it('never shows the secret in inspect() or JSON', () => {
    const c = client();
    assert.ok(!inspect(c, { depth: 10, showHidden: true }).includes(DEFAULT_CLIENT_SECRET));
    assert.ok(!JSON.stringify(c).includes(DEFAULT_CLIENT_SECRET));
  });
});

describe('current server', () => {
  it('builds /auth/<registryId> login URLs with state and PKCE S256', () => {
    const url = new URL(client().authorizationUrl({ state: 'st', codeChallenge: 'ch' }));
    assert.equal(url.pathname, '/auth/128807');
    assert.equal(url.searchParams.get('client_id'), DEFAULT_CLIENT_KEY);
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT_URI);
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('scope'), 'WorldCatMetadataAPI refresh_token');
    assert.equal(url.searchParams.get('state'), 'st');
    assert.equal(url.searchParams.get('code_challenge'), 'ch');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    const picker = new URL(client({ institution: undefined }).authorizationUrl({ state: 'st' }));
    assert.equal(picker.pathname, '/auth');
  });

  it('runs the code flow with PKCE, then refreshes with rotation', async () => {
    const c = client();
    const pkce = createPkce();
    const state = createState();
    const { code, state: echoed } = await loginForCode(
      c.authorizationUrl({ state, codeChallenge: pkce.challenge }),
    );
    assert.equal(echoed, state);
    const record = await c.exchangeCode({ code, codeVerifier: pkce.verifier });
    assert.match(record.accessToken, /^tk_/);
    assert.match(record.refreshToken ?? '', /^rt_/);
    assert.equal(record.tokenType, 'bearer');
    assert.deepEqual(record.scopes, ['WorldCatMetadataAPI', 'refresh_token']);
    assert.equal(record.principalId, '8eaa9f92-3951-431c-975a-e5b4b7b5e3a0');
    assert.equal(record.principalIdns, 'urn:oclc:platform:128807');
    assert.equal(record.authenticatingInstitutionId, '128807');
    assert.ok(record.expiresAt > Date.now() + 1_000_000);
    assert.match(record.expiresAtText ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);

    const next = await c.refresh(record);
    assert.notEqual(next.accessToken, record.accessToken);
    assert.notEqual(next.refreshToken, record.refreshToken, 'the simulator rotates refresh tokens');
    assert.equal(next.principalId, record.principalId);

    // Replaying the spent refresh token is refused — and revokes the family.
    await assert.rejects(
      c.refresh(record),
      (err: unknown) =>
        err instanceof OclcAuthError && err.oauthError === 'invalid_grant' && err.status === 400,
    );
    await assert.rejects(
      c.refresh(next),
      (err: unknown) => err instanceof OclcAuthError && err.oauthError === 'invalid_grant',
    );
    assert.equal(ctx.sim.stats().familiesRevoked, 1);
    await c.close();
  });

  it('refuses a wrong PKCE verifier and a reused code, without retrying', async () => {
    const c = client();
    const pkce = createPkce();
    const { code } = await loginForCode(c.authorizationUrl({ state: 's', codeChallenge: pkce.challenge }));
    await assert.rejects(c.exchangeCode({ code, codeVerifier: createPkce().verifier }), (err: unknown) => {
      assert.ok(err instanceof OclcAuthError);
      assert.equal(err.oauthError, 'invalid_grant');
      assert.ok(!err.message.includes(code) && !JSON.stringify(err).includes(code));
      return true;
    });
    // The failed exchange used the code up.
    await assert.rejects(c.exchangeCode({ code, codeVerifier: pkce.verifier }), OclcAuthError);
    assert.deepEqual(ctx.sim.stats().tokenRequests.authorization_code, { ok: 0, failed: 2 });
  });

  it('never retries a code exchange, even on a 5xx', async () => {
    const c = client();
    const { code } = await loginForCode(c.authorizationUrl({ state: 's' }));
    ctx.sim.faults.failNext(1, { status: 503, target: 'token' });
    await assert.rejects(
      c.exchangeCode({ code }),
      (err: unknown) =>
        err instanceof OclcAuthError && err.status === 503 && err.code === 'OCLC_AUTH_UNAVAILABLE',
    );
    assert.equal(ctx.sim.stats().faultsInjected, 1);
    assert.equal(
      ctx.sim.stats().tokenRequests.authorization_code,
      undefined,
      'no second attempt reached the grant',
    );
  });

  it('keeps the refresh token when the server does not rotate', async () => {
    const { startSimulator } = await import('../src/index.js');
    const sim = await startSimulator({
      redirectUris: [REDIRECT_URI],
      rotateRefreshTokens: false,
      expiresInAs: 'string',
    });
    try {
      const c = client({ server: sim.url });
      const { code } = await loginForCode(c.authorizationUrl({ state: 's' }));
      const first = await c.exchangeCode({ code });
      const second = await c.refresh(first);
      assert.equal(second.refreshToken, first.refreshToken);
      assert.equal(second.refreshTokenExpiresAt, first.refreshTokenExpiresAt);
      assert.notEqual(second.accessToken, first.accessToken);
      await c.close();
    } finally {
      await sim.close();
    }
  });

  for (const encoding of ['raw', 'form'] as const) {
    it(`gets client-credentials tokens with ${encoding} Basic credentials and a context scope`, async () => {
      const c = client({ basicAuthEncoding: encoding, scopes: 'WorldCatMetadataAPI' });
      const record = await c.clientCredentials();
      assert.deepEqual(record.scopes, ['WorldCatMetadataAPI', 'context:128807']);
      assert.equal(record.contextInstitutionId, '128807');
      assert.equal(record.principalId, null, 'empty principal strings become null');
      assert.equal(record.refreshToken, null);
    });
  }

  it('never retries a 401 from the token endpoint (five failures lock the WSKey)', async () => {
    const c = client({ secret: 'wrong-secret-value' });
    await assert.rejects(c.clientCredentials(), (err: unknown) => {
      assert.ok(err instanceof OclcAuthError);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'OCLC_AUTH_REJECTED');
      assert.ok(!inspect(err).includes('wrong-secret-value'));
      return true;
    });
    assert.deepEqual(ctx.sim.stats().tokenRequests.client_credentials, { ok: 0, failed: 1 });
  });

  it('refuses scopes that are not on the key with OCLC message', async () => {
    await assert.rejects(client({ scopes: 'MetadataAPI' }).clientCredentials(), (err: unknown) => {
      assert.ok(err instanceof OclcAuthError);
      assert.equal(err.status, 403);
      assert.match(err.message, /Invalid scope\(s\): MetadataAPI/);
      return true;
    });
  });

  it('retries client credentials on 5xx with backoff, bounded', async () => {
    const waits: number[] = [];
    const c = client({ sleep: async (ms: number) => void waits.push(ms) });
    ctx.sim.faults.failNext(2, { status: 502, target: 'token' });
    const record = await c.clientCredentials();
    assert.match(record.accessToken, /^tk_/);
    assert.equal(waits.length, 2);
    ctx.sim.faults.failNext(3, { status: 500, target: 'token' });
    await assert.rejects(
      c.clientCredentials(),
      (err: unknown) => err instanceof OclcAuthError && err.status === 500,
    );
    assert.equal(ctx.sim.stats().faultsInjected, 5);
  });

  it('honours Retry-After on 429 and surfaces one beyond the cap at once', async () => {
    const waits: number[] = [];
    const c = client({ sleep: async (ms: number) => void waits.push(ms) });
    ctx.sim.faults.rateLimitNext(1, { retryAfterSeconds: 2, target: 'token' });
    await c.clientCredentials();
    assert.deepEqual(waits, [2000]);
    ctx.sim.faults.rateLimitNext(1, { retryAfterSeconds: 3600, target: 'token' });
    await assert.rejects(
      c.clientCredentials(),
      (err: unknown) =>
        err instanceof OclcAuthError && err.code === 'OCLC_RATE_LIMITED' && err.retryAfterSeconds === 3600,
    );
  });

  it('times out a hung token endpoint, then retries', async () => {
    const c = client({ timeouts: { headers: 300, total: 2_000 } });
    ctx.sim.faults.hang({ target: 'token', count: 1 });
    const record = await c.clientCredentials();
    assert.match(record.accessToken, /^tk_/);
    ctx.sim.faults.hang({ target: 'token' });
    await assert.rejects(
      c.clientCredentials(),
      (err: unknown) => err instanceof OclcNetworkError && err.code === 'OCLC_TIMEOUT',
    );
    ctx.sim.faults.clear();
    await c.close();
  });

  it('reports an unreachable server as a network error', async () => {
    const c = client({ server: 'http://127.0.0.1:9', retry: { retries: 0 } });
    await assert.rejects(
      c.clientCredentials(),
      (err: unknown) => err instanceof OclcNetworkError && err.code === 'OCLC_NETWORK',
    );
  });
});

describe('legacy server', () => {
  it('builds /authorizeCode login URLs with the institution ids', () => {
    const url = new URL(legacyClient().authorizationUrl({ state: 'st' }));
    assert.equal(url.pathname, '/oauth2/authorizeCode');
    assert.equal(url.searchParams.get('authenticatingInstitutionId'), '128807');
    assert.equal(url.searchParams.get('contextInstitutionId'), '128807');
    assert.equal(url.searchParams.get('state'), 'st');
  });

  it('runs the code flow and a refresh over HMAC-signed POST /accessToken', async () => {
    const c = legacyClient();
    const { code } = await loginForCode(c.authorizationUrl({ state: 's' }));
    const record = await c.exchangeCode({ code });
    assert.equal(record.contextInstitutionId, '128807', 'read from contextInstitutionId');
    assert.equal(record.principalIdns, 'urn:oclc:platform:128807');
    const next = await c.refresh(record);
    assert.notEqual(next.accessToken, record.accessToken);
  });

  it('gets a client-credentials token for a user given as principalID/IDNS', async () => {
    const record = await legacyClient({ scopes: 'WorldCatMetadataAPI' }).clientCredentials({
      user: { principalId: 'p-123', principalIdns: 'urn:oclc:wms:da' },
    });
    assert.equal(record.principalId, 'p-123');
    assert.equal(record.principalIdns, 'urn:oclc:wms:da');
    assert.equal(record.authenticatingInstitutionId, '128807');
  });

  it('refuses a wrong secret with OCLC 401 message', async () => {
    await assert.rejects(legacyClient({ secret: 'nope-nope' }).clientCredentials(), (err: unknown) => {
      assert.ok(err instanceof OclcAuthError);
      assert.equal(err.status, 401);
      return true;
    });
    assert.equal(ctx.sim.stats().hmacRefusals, 1);
  });
});

describe('ClientCredentialsCache', () => {
  it('shares one in-flight request among concurrent callers and caches for the lifetime', async () => {
    const cache = new ClientCredentialsCache({ client: client({ scopes: 'WorldCatMetadataAPI' }) });
    const tokens = await Promise.all(Array.from({ length: 25 }, () => cache.get()));
    assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1);
    await cache.get();
    assert.equal(ctx.sim.stats().tokenRequests.client_credentials?.ok, 1);
    assert.equal(cache.inflight, 0);
  });

  it('keeps one token per (scopes, institution, user) whatever the scope order', async () => {
    const cache = new ClientCredentialsCache({ client: client({ scopes: 'WorldCatMetadataAPI wcapi' }) });
    const a = await cache.get({ scopes: 'wcapi WorldCatMetadataAPI' });
    const b = await cache.get({ scopes: ['WorldCatMetadataAPI', 'wcapi'] });
    const c = await cache.get({ scopes: 'wcapi' });
    const d = await cache.get({ scopes: 'wcapi', institution: '91475' });
    assert.equal(a.accessToken, b.accessToken);
    assert.notEqual(a.accessToken, c.accessToken);
    assert.notEqual(c.accessToken, d.accessToken);
    assert.equal(d.contextInstitutionId, '91475');
    assert.equal(ctx.sim.stats().tokenRequests.client_credentials?.ok, 3);
  });

  it('renews within the leeway before expiry', async () => {
    let now = Date.now();
    const cache = new ClientCredentialsCache({ client: client({ clock: () => now }), leewaySeconds: 60 });
    const first = await cache.get();
    now += (1199 - 61) * 1000;
    assert.equal((await cache.get()).accessToken, first.accessToken);
    now += 2000;
    assert.notEqual((await cache.get()).accessToken, first.accessToken);
  });

  it('invalidate drops only the stale token', async () => {
    const cache = new ClientCredentialsCache({ client: client() });
    const first = await cache.get();
    await cache.invalidate({}, 'tk_someone_else');
    assert.equal((await cache.get()).accessToken, first.accessToken);
    await cache.invalidate({}, first.accessToken);
    assert.notEqual((await cache.get()).accessToken, first.accessToken);
  });

  it('a failure reaches every waiting caller and is not cached', async () => {
    const cache = new ClientCredentialsCache({ client: client({ retry: { retries: 0 } }) });
    ctx.sim.faults.failNext(1, { status: 500, target: 'token' });
    const results = await Promise.allSettled([cache.get(), cache.get(), cache.get()]);
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.match((await cache.get()).accessToken, /^tk_/);
  });
});

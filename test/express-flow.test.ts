// The sign-in flow end to end over HTTP: app ↔ simulator, real Redis, a cookie-keeping client.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Simulator, startSimulator } from '../src/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { freePort, testRedisUrl } from './helpers/redis.js';

let sim: Simulator;
let app: TestApp;
let proxied: TestApp;
let redis: { url: string; stop: () => Promise<void> };
const prefix = `flow:${process.pid}:`;

before(async () => {
  redis = await testRedisUrl();
  const [port, port2] = [await freePort(), await freePort()];
  sim = await startSimulator({
    redirectUris: [`http://127.0.0.1:${port}/auth/callback`, `http://127.0.0.1:${port2}/auth/callback`],
  });
  app = await startApp({ sim, port, redisUrl: redis.url, prefix });
  proxied = await startApp({
    sim,
    port: port2,
    redisUrl: redis.url,
    prefix: `${prefix}p:`,
    trustProxy: true,
  });
});
after(async () => {
  await app.close();
  await proxied.close();
  await sim.close();
  await redis.stop();
});
beforeEach(() => sim.reset());

const json = { accept: 'application/json' };

async function signedIn(returnTo = '/page'): Promise<Browser> {
  const b = new Browser();
  const end = await b.navigate(`${app.url}/auth?returnTo=${encodeURIComponent(returnTo)}`);
  assert.equal(end.status, 200, `${end.url} ${end.status} ${end.body.slice(0, 300)}`);
  return b;
}

function tokenStrings(): RegExp {
  return /\b(tk|rt|auth)_[A-Za-z0-9_-]{10,}/;
}

describe('sign-in', () => {
  it('runs the whole flow: 303 to OCLC with state and PKCE, callback, new session, back to returnTo', async () => {
    const b = new Browser();
    const start = await b.request(`${app.url}/auth?returnTo=/api/me`);
    assert.equal(start.status, 303);
    assert.equal(start.headers['cache-control'], 'no-store');
    const login = new URL(start.headers.location!);
    assert.equal(login.origin, sim.url);
    assert.equal(login.pathname, '/auth/128807');
    assert.equal(login.searchParams.get('redirect_uri'), `${app.url}/auth/callback`);
    assert.equal(login.searchParams.get('code_challenge_method'), 'S256');
    assert.match(login.searchParams.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(login.searchParams.get('state')!.length >= 43, 'state has at least 128 bits (here 256)');
    const preLoginSid = b.cookie(app.url, 'oclc.sid');
    assert.ok(preLoginSid, 'the pending login lives in a server-side session');

    const end = await b.navigate(start.headers.location!);
    assert.equal(end.url, `${app.url}/api/me`);
    const me = JSON.parse(end.body);
    assert.equal(me.user.principalId, '8eaa9f92-3951-431c-975a-e5b4b7b5e3a0');
    assert.equal(me.user.authenticatingInstitutionId, '128807');
    assert.deepEqual(me.token.scopes, ['WorldCatMetadataAPI', 'wcapi', 'refresh_token']);
    assert.equal(me.token.tokenType, 'bearer');
    assert.match(me.token.accessTokenFingerprint, /^tk_…/);
    assert.equal(me.token.hasRefreshToken, true);

    const callback = b.seen.find((s) => s.url.startsWith(`${app.url}/auth/callback`))!;
    assert.equal(callback.status, 303);
    assert.equal(callback.headers['cache-control'], 'no-store');
    assert.equal(callback.headers['referrer-policy'], 'no-referrer');
    assert.notEqual(b.cookie(app.url, 'oclc.sid'), preLoginSid, 'session id changes at login');
    // The simulator verified the PKCE verifier (it refuses a code sent with a challenge otherwise).
    assert.deepEqual(sim.stats().tokenRequests.authorization_code, { ok: 1, failed: 0 });
  });

  it('the pre-login session id is worthless after login', async () => {
    const b = new Browser();
    const start = await b.request(`${app.url}/auth`);
    const old = b.cookie(app.url, 'oclc.sid')!;
    await b.navigate(start.headers.location!);
    const attacker = new Browser(json);
    attacker.setCookie(app.url, 'oclc.sid', old);
    const res = await attacker.request(`${app.url}/api/me`);
    assert.equal(res.status, 401);
  });

  it('no token, code or verifier reaches the browser', async () => {
    const b = await signedIn('/api/me');
    await b.request(`${app.url}/api/record/823520553`, { headers: json });
    await b.request(`${app.url}/api/refresh`, { method: 'POST', headers: { ...json, origin: app.url } });
    for (const seen of b.seen.filter((s) => s.url.startsWith(app.url))) {
      const text = `${JSON.stringify(seen.headers)}\n${seen.body}`;
      const match = tokenStrings().exec(text);
      // The callback URL itself carries the code (OCLC put it there); nothing the app sends back does.
      assert.equal(match, null, `${seen.url} leaked ${match?.[0]}`);
    }
  });

  it('sets the cookie HttpOnly, SameSite=Lax, a distinct name, not Secure on http', async () => {
    const b = new Browser();
    await b.request(`${app.url}/auth`);
    const cookie = b.setCookies.find((c) => c.startsWith('oclc.sid='))!;
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.doesNotMatch(cookie, /Secure/i);
  });

  it('sets Secure behind a proxy that says https (trust proxy)', async () => {
    const b = new Browser();
    const res = await b.request(`${proxied.url}/auth`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(res.status, 303);
    const cookie = b.setCookies.find((c) => c.startsWith('oclc.sid='))!;
    assert.match(cookie, /;\s*Secure/i);
  });

  it('spoofed Host and X-Forwarded-Host do not change the redirect URI', async () => {
    for (const app_ of [app, proxied]) {
      const b = new Browser();
      const res = await b.request(`${app_.url}/auth`, {
        headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
      });
      const login = new URL(res.headers.location!);
      assert.equal(login.searchParams.get('redirect_uri'), `${app_.url}/auth/callback`);
    }
  });

  const openRedirects = [
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '/%0d%0aLocation:%20https://evil',
    'javascript:alert(1)',
    `/${'x'.repeat(5000)}`,
  ];
  for (const target of openRedirects) {
    it(`returnTo ${JSON.stringify(target.slice(0, 30))} lands on /`, async () => {
      const b = new Browser(json);
      const end = await b.navigate(`${app.url}/auth?returnTo=${encodeURIComponent(target)}`);
      assert.equal(end.url, `${app.url}/`);
      assert.equal(JSON.parse(end.body).authenticated, true);
    });
  }

  it('several tabs can sign in at once', async () => {
    const b = new Browser();
    const first = await b.request(`${app.url}/auth?returnTo=/a`);
    const second = await b.request(`${app.url}/auth?returnTo=/api/me`);
    const endSecond = await b.navigate(second.headers.location!);
    assert.equal(endSecond.url, `${app.url}/api/me`);
    // The first tab finishes after the second: its pending login survived the new session.
    const endFirst = await b.navigate(first.headers.location!, { maxHops: 3 });
    assert.ok(endFirst.url.startsWith(`${app.url}/a`), endFirst.url);
  });
});

describe('callback attacks', () => {
  async function pendingLogin(): Promise<{ b: Browser; state: string; code: string }> {
    const b = new Browser();
    const start = await b.request(`${app.url}/auth`);
    const state = new URL(start.headers.location!).searchParams.get('state')!;
    // Log in at the simulator but stop before following the redirect back to the app.
    const page = await b.request(start.headers.location!);
    const action = /action="([^"]+)"/.exec(page.body)![1]!.replaceAll('&amp;', '&');
    const posted = await b.request(new URL(action, sim.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=librarian&password=oclc-sandbox&action=login',
    });
    const code = new URL(posted.headers.location!).searchParams.get('code')!;
    return { b, state, code };
  }

  const cb = (query: string) => `${app.url}/auth/callback?${query}`;

  it('a wrong state → 400 and no token request', async () => {
    const { b, code } = await pendingLogin();
    const res = await b.request(cb(`code=${code}&state=wrong`));
    assert.equal(res.status, 400);
    assert.equal(sim.stats().tokenRequests.authorization_code, undefined);
  });

  it('a callback with no pending login (no transaction) → 400', async () => {
    const { code, state } = await pendingLogin();
    const stranger = new Browser();
    const res = await stranger.request(cb(`code=${code}&state=${state}`));
    assert.equal(res.status, 400);
    assert.equal(sim.stats().tokenRequests.authorization_code, undefined);
  });

  const malformed = [
    'code=x',
    'state=y',
    'code=&state=',
    'code=x&state[]=y',
    'code[]=x&state=y',
    'code=x&state=y&state=z',
    'code=x&code=z&state=y',
    'state[a]=1&code=x',
  ];
  for (const query of malformed) {
    it(`${query} → 400, never 500`, async () => {
      const { b } = await pendingLogin();
      const res = await b.request(cb(query), { headers: json });
      assert.equal(res.status, 400, res.body);
      assert.equal(JSON.parse(res.body).error, 'invalid_callback');
    });
  }

  it('a replayed callback: the state is spent; when signed in it goes back to the app', async () => {
    const { b, code, state } = await pendingLogin();
    const first = await b.request(cb(`code=${code}&state=${state}`));
    assert.equal(first.status, 303);
    const replay = await b.request(cb(`code=${code}&state=${state}`));
    assert.equal(replay.status, 303);
    assert.equal(replay.headers.location, '/');
    assert.deepEqual(sim.stats().tokenRequests.authorization_code, { ok: 1, failed: 0 });
  });

  it('error=access_denied with a script in the description → an escaped page', async () => {
    const { b, state } = await pendingLogin();
    const res = await b.request(
      cb(
        `error=access_denied&error_description=${encodeURIComponent('<script>alert(1)</script>')}&state=${state}`,
      ),
    );
    assert.equal(res.status, 403);
    assert.ok(!res.body.includes('<script>alert(1)</script>'));
    assert.ok(res.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    // The state is spent by the error answer too.
    const again = await b.request(cb(`code=x&state=${state}`));
    assert.equal(again.status, 400);
  });

  it('"deny" at OCLC comes back as a clear page', async () => {
    const b = new Browser();
    const end = await b.navigate(`${app.url}/auth`, { login: { action: 'deny' } });
    assert.equal(end.status, 403);
    assert.match(end.body, /access_denied/);
    assert.match(end.body, /Sign-in was not completed/);
  });

  it('a tampered session cookie → anonymous, not 500', async () => {
    const b = await signedIn();
    const sid = b.cookie(app.url, 'oclc.sid')!;
    b.setCookie(app.url, 'oclc.sid', `${sid.slice(0, -3)}xyz`);
    const res = await b.request(`${app.url}/api/me`, { headers: json });
    assert.equal(res.status, 401);
    const garbage = new Browser(json);
    garbage.setCookie(app.url, 'oclc.sid', '%E0%A4%A');
    assert.equal((await garbage.request(`${app.url}/`)).status, 200);
  });
});

describe('requiresAuth', () => {
  it('sends a page navigation to OCLC and back; an API call gets 401 JSON', async () => {
    const b = new Browser();
    const nav = await b.request(`${app.url}/page`);
    assert.equal(nav.status, 303);
    assert.ok(nav.headers.location!.startsWith(`${sim.url}/auth/128807?`));
    const end = await b.navigate(nav.headers.location!);
    assert.equal(end.url, `${app.url}/page`);
    const apiRes = await new Browser(json).request(`${app.url}/api/me`);
    assert.equal(apiRes.status, 401);
    assert.equal(JSON.parse(apiRes.body).error, 'unauthorized');
  });
});

describe('logout', () => {
  it('GET never signs out', async () => {
    const b = await signedIn();
    const res = await b.request(`${app.url}/auth/logout`);
    assert.equal(res.status, 405);
    assert.match(res.body, /<form method="post"/);
    assert.equal((await b.request(`${app.url}/api/me`, { headers: json })).status, 200);
  });

  it('a cross-site POST is refused', async () => {
    const b = await signedIn();
    for (const headers of [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      {},
      { 'sec-fetch-site': 'cross-site' },
    ]) {
      const res = await b.request(`${app.url}/auth/logout`, {
        method: 'POST',
        headers: headers as Record<string, string>,
      });
      assert.equal(res.status, 403, JSON.stringify(headers));
    }
    assert.equal((await b.request(`${app.url}/api/me`, { headers: json })).status, 200);
  });

  it('a same-origin POST deletes the grant and the session and clears the cookie', async () => {
    const b = await signedIn();
    const sid = decodeURIComponent(b.cookie(app.url, 'oclc.sid')!).slice(2).split('.')[0]!;
    const grantKeysBefore = await app.redis!.keys(`${prefix}{*}:grant`);
    assert.ok(await app.redis!.exists(`${prefix}sess:${sid}`));
    const res = await b.request(`${app.url}/auth/logout`, { method: 'POST', headers: { origin: app.url } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/');
    assert.ok(b.setCookies.some((c) => c.startsWith('oclc.sid=;') && /Expires=Thu, 01 Jan 1970/i.test(c)));
    assert.equal(await app.redis!.exists(`${prefix}sess:${sid}`), 0);
    const grantKeysAfter = await app.redis!.keys(`${prefix}{*}:grant`);
    assert.equal(grantKeysAfter.length, grantKeysBefore.length - 1);
    assert.equal((await b.request(`${app.url}/api/me`, { headers: json })).status, 401);
  });

  it('Sec-Fetch-Site: same-origin is enough when no Origin is sent', async () => {
    const b = await signedIn();
    const res = await b.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    assert.equal(res.status, 303);
  });
});

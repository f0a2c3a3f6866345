// Refresh: ahead of expiry, once per grant across concurrent requests and across app instances,
// never replaying a rotated refresh token; a 401 from the API → one refresh and one retry.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Simulator, startSimulator } from '../src/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { freePort, testRedisUrl } from './helpers/redis.js';

let sim: Simulator;
let a: TestApp;
let b: TestApp;
let redis: { url: string; stop: () => Promise<void> };
let now = Date.now();
const clock = () => now;
const prefix = `refresh:${process.pid}:`;
const json = { accept: 'application/json' };

before(async () => {
  redis = await testRedisUrl();
  const ports = [await freePort(), await freePort()];
  // Rotation and reuse detection on (the default): a replayed refresh token would revoke the family.
  sim = await startSimulator({ redirectUris: ports.map((p) => `http://127.0.0.1:${p}/auth/callback`) });
  // Two instances of one app on one Redis: same session prefix, same token store.
  a = await startApp({ sim, port: ports[0]!, redisUrl: redis.url, prefix, config: { clock } });
  b = await startApp({ sim, port: ports[1]!, redisUrl: redis.url, prefix, config: { clock } });
});
after(async () => {
  await a.close();
  await b.close();
  await sim.close();
  await redis.stop();
});
beforeEach(() => {
  now = Date.now();
  sim.reset();
});

async function signIn(): Promise<Browser> {
  const browser = new Browser(json);
  const end = await browser.navigate(`${a.url}/auth?returnTo=/api/me`);
  assert.equal(end.status, 200, end.body);
  // The same session cookie works on the other instance (a load balancer would send it there).
  browser.setCookie(b.url, 'oclc.sid', browser.cookie(a.url, 'oclc.sid')!);
  return browser;
}

async function fingerprint(browser: Browser, app = a): Promise<string> {
  const me = await browser.request(`${app.url}/api/me`);
  return JSON.parse(me.body).token.accessTokenFingerprint;
}

describe('refresh', () => {
  it('refreshes when the access token has expired, keeping the user signed in', async () => {
    const browser = await signIn();
    const before_ = await fingerprint(browser);
    now += 1200 * 1000;
    const rec = await browser.request(`${a.url}/api/record/823520553`);
    assert.equal(JSON.parse(rec.body).status, 200);
    assert.notEqual(await fingerprint(browser), before_);
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
  });

  it('refreshes ahead of expiry, within the leeway', async () => {
    const browser = await signIn();
    now += (1199 - 59) * 1000;
    await browser.request(`${a.url}/api/record/823520553`);
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
  });

  it('50 concurrent requests on an expired token → exactly one token request', async () => {
    const browser = await signIn();
    now += 1200 * 1000;
    const results = await Promise.all(
      Array.from({ length: 50 }, () => browser.request(`${a.url}/api/record/823520553`)),
    );
    assert.ok(results.every((r) => r.status === 200 && JSON.parse(r.body).status === 200));
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
    assert.equal(sim.stats().familiesRevoked, 0);
  });

  it('two app instances on the same Redis → still exactly one', async () => {
    const browser = await signIn();
    now += 1200 * 1000;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => browser.request(`${(i % 2 ? a : b).url}/api/record/823520553`)),
    );
    assert.ok(
      results.every((r) => r.status === 200 && JSON.parse(r.body).status === 200),
      results.map((r) => r.status).join(),
    );
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
    assert.equal(await fingerprint(browser, a), await fingerprint(browser, b));
  });

  it('repeated expiry waves across both instances never replay an old refresh token', async () => {
    const browser = await signIn();
    for (let wave = 1; wave <= 4; wave++) {
      now += 1200 * 1000;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => browser.request(`${(i % 2 ? a : b).url}/api/record/823520553`)),
      );
      assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: wave, failed: 0 });
    }
    assert.equal(sim.stats().familiesRevoked, 0);
  });

  it('an API 401 → one forced refresh and one retry', async () => {
    const browser = await signIn();
    sim.faults.revokeAccessTokens();
    const rec = await browser.request(`${a.url}/api/record/823520553`);
    assert.equal(JSON.parse(rec.body).status, 200);
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
    assert.equal(sim.stats().apiRequests[401], 1);
  });

  it('a second 401 is the caller answer, without a refresh loop', async () => {
    const browser = await signIn();
    sim.faults.failNext(3, { status: 401, target: 'api' });
    const rec = await browser.request(`${a.url}/api/record/823520553`);
    assert.equal(JSON.parse(rec.body).status, 401);
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
    assert.equal(sim.stats().faultsInjected, 2, 'two attempts, not three');
  });

  it('a refresh token OCLC refuses → sign in again (401 JSON for APIs, a login redirect for pages)', async () => {
    const browser = await signIn();
    sim.faults.revokeAll();
    now += 1200 * 1000;
    const apiRes = await browser.request(`${a.url}/api/record/823520553`);
    assert.equal(apiRes.status, 401);
    assert.equal(JSON.parse(apiRes.body).error, 'login_required');
    assert.equal((await browser.request(`${a.url}/api/me`)).status, 401, 'the grant is gone');
    const page = new Browser();
    page.setCookie(a.url, 'oclc.sid', browser.cookie(a.url, 'oclc.sid')!);
    const nav = await page.request(`${a.url}/page`);
    assert.equal(nav.status, 303);
  });

  it('"refresh now" gets a new token', async () => {
    const browser = await signIn();
    const first = await fingerprint(browser);
    const res = await browser.request(`${a.url}/api/refresh`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.notEqual(JSON.parse(res.body).accessTokenFingerprint, first);
    assert.equal(await fingerprint(browser), JSON.parse(res.body).accessTokenFingerprint);
  });
});

describe('appFetch and hmacFetch', () => {
  it('appFetch uses one cached client-credentials token across requests and instances', async () => {
    const browser = new Browser(json);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        browser.request(`${(i % 2 ? a : b).url}/api/app-record/823520553`),
      ),
    );
    assert.ok(results.every((r) => r.status === 200));
    assert.equal(JSON.parse(results[0]!.body).oclcNumber, '823520553');
    // One per instance at most without a cross-process lock; both share the Redis cache afterwards.
    const ok = sim.stats().tokenRequests.client_credentials?.ok ?? 0;
    assert.ok(ok >= 1 && ok <= 2, String(ok));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        browser.request(`${(i % 2 ? a : b).url}/api/app-record/823520553`),
      ),
    );
    assert.equal(sim.stats().tokenRequests.client_credentials?.ok, ok);
  });

  it('hmacFetch signs with the WSKey and the user principal', async () => {
    const browser = await signIn();
    const res = await browser.request(`${a.url}/api/hmac-record/823520553`);
    assert.equal(res.status, 200);
    assert.match(res.body, /urn:oclc:platform:128807:8eaa9f92/);
    assert.equal(sim.stats().hmacRefusals, 0);
  });
});

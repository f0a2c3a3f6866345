// OCLC failing in the ways it does (through the simulator's faults): the library keeps old tokens
// working, answers 503 + Retry-After when it cannot, stops hammering a broken token endpoint, retries
// idempotent API calls within a budget, never POSTs twice, and never loops on a lost refresh.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Simulator, startSimulator } from '../src/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { freePort } from './helpers/redis.js';

let sim: Simulator;
let app: TestApp;
let breakerPort: number;
let now = Date.now();
const json = { accept: 'application/json' };

before(async () => {
  const port = await freePort();
  breakerPort = await freePort();
  sim = await startSimulator({
    redirectUris: [`http://127.0.0.1:${port}/auth/callback`, `http://127.0.0.1:${breakerPort}/auth/callback`],
  });
  app = await startApp({
    sim,
    port,
    redisUrl: null,
    config: {
      clock: () => now,
      grantCacheMs: 0,
      timeouts: { total: 2500, headers: 800 },
      apiRetry: { retries: 2, baseDelayMs: 20, maxDelayMs: 50, budgetMs: 3000 },
    },
  });
});
after(async () => {
  await app.close();
  await sim.close();
});
beforeEach(() => {
  now = Date.now();
  sim.reset();
});

async function signedIn(on: TestApp = app): Promise<Browser> {
  const b = new Browser(json);
  const end = await b.navigate(`${on.url}/auth?returnTo=/api/me`);
  assert.equal(end.status, 200, end.body);
  return b;
}
const record = (b: Browser, on: TestApp = app) => b.request(`${on.url}/api/record/823520553`);

describe('token endpoint trouble', () => {
  it('a 5xx while the access token is still valid: the old token keeps working, no visible error', async () => {
    const b = await signedIn();
    now += (1199 - 30) * 1000; // due for refresh (within the leeway), not yet expired
    sim.faults.failNext(1, { status: 500, target: 'token' });
    const res = await record(b);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).status, 200);
    assert.equal(sim.stats().faultsInjected, 1);
  });

  it('expired and OCLC failing: 503 with Retry-After, bounded attempts, then the breaker stops calling', async () => {
    // Its own app: the open breaker must not spill into the other tests.
    const own = await startApp({
      sim,
      port: breakerPort,
      redisUrl: null,
      config: { clock: () => now, grantCacheMs: 0, breaker: { failures: 3, cooldownMs: 60_000 } },
    });
    try {
      const b = await signedIn(own);
      now += 1200 * 1000;
      sim.faults.failNext(100, { status: 502, target: 'token' });
      for (let i = 0; i < 3; i++) {
        const res = await record(b, own);
        assert.equal(res.status, 503, res.body);
        assert.ok(Number(res.headers['retry-after']) > 0);
      }
      assert.equal(sim.stats().faultsInjected, 3, 'one attempt per request');
      const open = await record(b, own);
      assert.equal(open.status, 503);
      assert.ok(Number(open.headers['retry-after']) >= 50, 'retry after the cool-down');
      assert.equal(sim.stats().faultsInjected, 3, 'the breaker kept OCLC out of it');
    } finally {
      await own.close();
    }
  });
});

describe('API trouble', () => {
  it('429 with Retry-After: an idempotent request waits and retries', async () => {
    const b = await signedIn();
    sim.faults.rateLimitNext(1, { retryAfterSeconds: 1 });
    const res = await record(b);
    assert.equal(JSON.parse(res.body).status, 200);
    assert.equal(sim.stats().apiRequests[429], 1);
  });

  it('429 with a Retry-After beyond the budget is surfaced at once', async () => {
    const b = await signedIn();
    sim.faults.rateLimitNext(1, { retryAfterSeconds: 3600 });
    const res = await record(b);
    assert.equal(JSON.parse(res.body).status, 429);
    assert.equal(sim.stats().apiRequests[429], 1);
  });

  it('POST is never retried', async () => {
    const b = await signedIn();
    sim.faults.failNext(1, { status: 503, target: 'api' });
    const res = await b.request(`${app.url}/api/post-record/823520553`, { method: 'POST' });
    assert.equal(JSON.parse(res.body).status, 503);
    assert.equal(sim.stats().apiRequests[503], 1);
  });

  it('5xx: idempotent requests retried at most twice', async () => {
    const b = await signedIn();
    sim.faults.failNext(2, { status: 502, target: 'api' });
    assert.equal(JSON.parse((await record(b)).body).status, 200);
    sim.faults.failNext(3, { status: 500, target: 'api' });
    assert.equal(JSON.parse((await record(b)).body).status, 500);
    assert.equal(sim.stats().apiRequests[500], 3, 'three attempts in all');
  });

  it('a hanging API is cut off at our timeout', async () => {
    const b = await signedIn();
    sim.faults.hang({ target: 'api', count: 1 });
    const res = await record(b);
    assert.equal(res.status, 503);
    assert.equal(JSON.parse(res.body).error, 'oclc_unavailable');
    sim.faults.clear();
    assert.equal(JSON.parse((await record(b)).body).status, 200, 'and the next call works');
  });
});

describe('sign-in trouble', () => {
  it('OCLC not answering the code exchange: no retry, a clear "sign in again" page', async () => {
    const b = new Browser();
    sim.faults.hang({ target: 'token', count: 1 });
    const end = await b.navigate(`${app.url}/auth?returnTo=/api/me`);
    assert.equal(end.status, 503);
    assert.match(end.body, /OCLC is not answering/);
    assert.match(end.body, /href="\/auth"/);
    assert.equal(sim.stats().faultsInjected, 1, 'the code exchange went out once');
    sim.faults.clear();
  });

  it('a refresh answer lost after OCLC rotated the token: one retry, then sign in again — no loop', async () => {
    const b = await signedIn();
    now += 1200 * 1000;
    sim.faults.dropAfterRotate(1);
    const first = await record(b);
    assert.equal(first.status, 401);
    assert.equal(JSON.parse(first.body).error, 'login_required');
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 1 });
    await record(b);
    await record(b);
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 1 }, 'no further attempts');
  });
});

// Redis failures the way deployments have them: down at start-up, killed under load, slow.
// Requests fail fast and closed (503 + Retry-After), nothing crashes, and service resumes by itself.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Simulator, startSimulator } from '../src/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { freePort, type PrivateRedis, startPrivateRedis } from './helpers/redis.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const json = { accept: 'application/json' };
let sim: Simulator;
const ports: number[] = [];
before(async () => {
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  sim = await startSimulator({ redirectUris: ports.map((p) => `http://127.0.0.1:${p}/auth/callback`) });
});
after(() => sim.close());

async function waitReady(app: TestApp): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (
      await app.router.ready().then(
        () => true,
        () => false,
      )
    )
      return true;
    await sleep(100);
  }
  return false;
}

describe('Redis down at start-up', () => {
  it('the app starts, readiness says not ready, session routes answer 503; then it recovers', async () => {
    const redis = await startPrivateRedis();
    await redis.kill();
    // startApp waits for Redis to be ready; here the app must start without it.
    const app = await startApp({
      sim,
      port: ports[0]!,
      redisUrl: redis.url,
      prefix: 'startup:',
      waitForRedis: false,
    });
    try {
      assert.equal(
        await app.router.ready().then(
          () => 'ready',
          () => 'not ready',
        ),
        'not ready',
      );
      const res = await new Browser(json).request(`${app.url}/auth`);
      assert.equal(res.status, 503);
      assert.ok(Number(res.headers['retry-after']) > 0);
      await redis.start();
      assert.ok(await waitReady(app), 'ready once Redis is up');
      const end = await new Browser(json).navigate(`${app.url}/auth?returnTo=/api/me`);
      assert.equal(end.status, 200);
    } finally {
      await app.close();
      await redis.stop();
    }
  });
});

describe('Redis killed under load', () => {
  let redis: PrivateRedis;
  let app: TestApp;
  before(async () => {
    redis = await startPrivateRedis();
    app = await startApp({ sim, port: ports[1]!, redisUrl: redis.url, prefix: 'load:' });
  });
  after(async () => {
    await app.close();
    await redis.stop();
  });

  it('every request gets 200 or a fast 503 — no login redirect, no new cookie, no crash — and service resumes', async () => {
    const signedIn = new Browser(json);
    await signedIn.navigate(`${app.url}/auth?returnTo=/api/me`);
    const strangers: Browser[] = [];
    const statuses: number[] = [];
    const latencies: number[] = [];
    let killed = false;
    const load = async (i: number) => {
      const started = Date.now();
      const b = i % 4 === 0 ? new Browser(json) : signedIn;
      if (i % 4 === 0) strangers.push(b);
      const res = await b.request(`${app.url}${i % 4 === 0 ? '/api/me' : '/api/record/823520553'}`);
      latencies.push(Date.now() - started);
      statuses.push(res.status);
      if (killed && res.status !== 503) assert.ok([200, 401].includes(res.status));
      assert.equal(res.headers.location, undefined);
    };
    const waves = [];
    for (let i = 0; i < 200; i++) {
      waves.push(load(i));
      if (i === 60) {
        await redis.kill();
        killed = true;
      }
      if (i % 20 === 0) await sleep(10);
    }
    await Promise.all(waves);
    assert.ok(statuses.includes(503), 'some requests met the dead Redis');
    assert.ok(
      statuses.every((s) => [200, 401, 503].includes(s)),
      statuses.join(),
    );
    assert.ok(
      strangers.every((b) => b.setCookies.length === 0),
      'no session cookie handed out while Redis is down',
    );
    console.log(
      `# while Redis died: ${statuses.filter((s) => s === 503).length} × 503, slowest answer ${Math.max(...latencies)} ms`,
    );
    await redis.start();
    assert.ok(await waitReady(app));
    const again = new Browser(json);
    assert.equal((await again.navigate(`${app.url}/auth?returnTo=/api/me`)).status, 200, 'service resumed');
  });
});

describe('Redis slow', () => {
  let redis: PrivateRedis;
  let proxy: TcpProxy;
  let app: TestApp;
  before(async () => {
    redis = await startPrivateRedis();
    proxy = await startTcpProxy(redis.port);
    app = await startApp({ sim, port: ports[2]!, redisUrl: proxy.url, prefix: 'slow:' });
  });
  after(async () => {
    await app.close();
    await proxy.close();
    await redis.stop();
  });

  it('latency under the command timeout is tolerated; above it, command timeouts answer 503 and memory stays flat', async () => {
    const b = new Browser(json);
    await b.navigate(`${app.url}/auth?returnTo=/api/me`);
    proxy.delayMs = 200;
    assert.equal((await b.request(`${app.url}/api/me`)).status, 200);
    proxy.delayMs = 1500;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const results = await Promise.all(Array.from({ length: 100 }, () => b.request(`${app.url}/api/me`)));
    assert.ok(
      results.every((r) => r.status === 503),
      results.map((r) => r.status).join(),
    );
    assert.ok(results.every((r) => Number(r.headers['retry-after']) > 0));
    const heapAfter = process.memoryUsage().heapUsed;
    console.log(
      `# 100 requests against a 1.5 s Redis: heap ${Math.round(heapBefore / 1e6)} → ${Math.round(heapAfter / 1e6)} MB`,
    );
    proxy.delayMs = 0;
    for (let i = 0; i < 50; i++) {
      if ((await b.request(`${app.url}/api/me`)).status === 200) break;
      await sleep(100);
    }
    assert.equal((await b.request(`${app.url}/api/me`)).status, 200, 'back to normal, still signed in');
  });
});

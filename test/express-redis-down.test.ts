// Redis trouble fails fast and closed: 503 + Retry-After, never "please sign in", and service
// resumes by itself when Redis is back.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Simulator, startSimulator } from '../src/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { freePort, type PrivateRedis, startPrivateRedis } from './helpers/redis.js';

let sim: Simulator;
let app: TestApp;
let redis: PrivateRedis;
const json = { accept: 'application/json' };

before(async () => {
  redis = await startPrivateRedis();
  const port = await freePort();
  sim = await startSimulator({ redirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
  app = await startApp({ sim, port, redisUrl: redis.url, prefix: 'down:' });
});
after(async () => {
  await app.close();
  await sim.close();
  await redis.stop();
});

it('answers 503 with Retry-After while Redis is down, then resumes', async () => {
  const browser = new Browser(json);
  await browser.navigate(`${app.url}/auth?returnTo=/api/me`);
  assert.equal((await browser.request(`${app.url}/api/me`)).status, 200);
  await app.router.ready();

  await redis.kill();
  const cookiesBefore = browser.setCookies.length;
  for (const [path, headers] of [
    ['/api/me', json],
    ['/page', { accept: 'text/html' }],
    ['/auth', { accept: 'text/html' }],
    ['/api/record/823520553', json],
  ] as const) {
    const res = await browser.request(`${app.url}${path}`, { headers });
    assert.equal(res.status, 503, `${path}: ${res.status} ${res.body.slice(0, 100)}`);
    assert.ok(Number(res.headers['retry-after']) > 0, path);
    assert.equal(res.headers.location, undefined, 'no login redirect');
  }
  const stranger = new Browser({ accept: 'text/html' });
  const nav = await stranger.request(`${app.url}/page`);
  assert.equal(nav.status, 503, 'a visitor is not sent to sign in either');
  assert.equal(stranger.setCookies.length, 0, 'no new session cookie');
  assert.equal(browser.setCookies.length, cookiesBefore);
  await assert.rejects(app.router.ready());

  await redis.start();
  let ready = false;
  for (let i = 0; i < 100 && !ready; i++) {
    await sleep(100);
    ready = await app.router.ready().then(
      () => true,
      () => false,
    );
  }
  assert.ok(ready, 'the app reconnected by itself');
  // The restarted Redis kept nothing (no persistence): the user signs in again, and that works.
  const again = new Browser(json);
  const end = await again.navigate(`${app.url}/auth?returnTo=/api/me`);
  assert.equal(end.status, 200);
});

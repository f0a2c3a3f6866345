import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Simulator, startSimulator } from '../src/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { freePort, testRedisUrl } from './helpers/redis.js';

let sim: Simulator;
let app: TestApp;
let redis: { url: string; stop: () => Promise<void> };

before(async () => {
  redis = await testRedisUrl();
  const port = await freePort();
  sim = await startSimulator({ redirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
  app = await startApp({ sim, port, redisUrl: redis.url, prefix: `smoke:${process.pid}:` });
});
after(async () => {
  await app.close();
  await sim.close();
  await redis.stop();
});

it('signs in and reads a record', async () => {
  const b = new Browser();
  const end = await b.navigate(`${app.url}/auth?returnTo=/page`);
  assert.equal(
    end.status,
    200,
    JSON.stringify(
      b.seen.map((s) => [s.url, s.status, s.body.slice(0, 200)]),
      null,
      1,
    ),
  );
  assert.match(end.body, /Hello 8eaa9f92/);
  const rec = await b.request(`${app.url}/api/record/823520553`, { headers: { accept: 'application/json' } });
  assert.equal(rec.status, 200, rec.body);
  assert.deepEqual(JSON.parse(rec.body), { status: 200, length: JSON.parse(rec.body).length, has245: true });
});

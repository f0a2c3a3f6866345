// With all debug logging on, a sign-in, API calls, a refresh and a logout write no secret.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { format } from 'node:util';
import createDebug from 'debug';
import { type Simulator, startSimulator } from '../src/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { freePort } from './helpers/redis.js';

const lines: string[] = [];
let sim: Simulator;
let app: TestApp;
let now = Date.now();

before(async () => {
  createDebug.enable('oclc-auth-express:*');
  createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
  const port = await freePort();
  sim = await startSimulator({ redirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
  app = await startApp({ sim, port, redisUrl: null, config: { clock: () => now, authRequired: true } });
});
after(async () => {
  createDebug.disable();
  await app.close();
  await sim.close();
});

it('logs the flow, and no token, code, state, verifier, secret or session id', async () => {
  const b = new Browser({ accept: 'application/json' });
  const denied = await b.request(`${app.url}/`);
  assert.equal(denied.status, 401, 'authRequired protects every route after the router');
  await b.navigate(`${app.url}/auth?returnTo=/api/me`);
  await b.request(`${app.url}/api/record/823520553`);
  now += 1200 * 1000;
  await b.request(`${app.url}/api/record/823520553`);
  await b.request(`${app.url}/auth/logout`, { method: 'POST', headers: { origin: app.url } });
  assert.ok(
    lines.some((l) => l.includes('signed in')),
    lines.join('\n'),
  );
  assert.ok(lines.some((l) => l.includes('refreshing grant')));
  assert.ok(lines.some((l) => l.includes('signed out')));
  const text = lines.join('\n');
  assert.doesNotMatch(text, /\b(tk|rt|auth)_[A-Za-z0-9_-]{8,}/);
  assert.ok(!text.includes('simulator-secret'));
  const sid = b.cookie(app.url, 'oclc.sid');
  if (sid) assert.ok(!text.includes(sid));
  for (const seen of b.seen) {
    const state = new URL(seen.url).searchParams.get('state');
    if (state) assert.ok(!text.includes(state), 'state');
  }
});

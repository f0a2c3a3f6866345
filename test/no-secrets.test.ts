// The sweep: sign-in → API calls → refresh → a forced Redis error → OCLC 500 → logout, with all debug
// logging on. No log line and no response carries a token, code, verifier, state, session id, the
// WSKey secret or an Authorization value (outside the two places the protocol puts them: the state
// in the redirect to OCLC, the session id in Set-Cookie).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { format } from 'node:util';
import createDebug from 'debug';
import { type Simulator, startSimulator } from '../src/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { freePort, type PrivateRedis, startPrivateRedis } from './helpers/redis.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const logs: string[] = [];
let sim: Simulator;
let app: TestApp;
let redis: PrivateRedis;
let proxy: TcpProxy;
let now = Date.now();
const originals = { warn: console.warn, error: console.error, log: console.log };

before(async () => {
  createDebug.enable('oclc-auth-express:*');
  createDebug.log = (...args: unknown[]) => void logs.push(format(...args));
  console.warn = (...args: unknown[]) => void logs.push(format(...args));
  console.error = (...args: unknown[]) => void logs.push(format(...args));
  redis = await startPrivateRedis();
  proxy = await startTcpProxy(redis.port);
  const port = await freePort();
  sim = await startSimulator({ redirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
  app = await startApp({
    sim,
    port,
    redisUrl: proxy.url,
    prefix: 'sweep:',
    config: { clock: () => now, grantCacheMs: 0 },
  });
});
after(async () => {
  createDebug.disable();
  Object.assign(console, originals);
  await app.close();
  await sim.close();
  await proxy.close();
  await redis.stop();
});

it('finds no secret in any log line or response', async () => {
  const b = new Browser({ accept: 'application/json' });
  const start = await b.request(`${app.url}/auth?returnTo=/api/me`);
  const state = new URL(start.headers.location!).searchParams.get('state')!;
  // The pending login's verifier, read from the session in Redis (its only home).
  const sessions = await app.redis!.keys('sweep:sess:*');
  const verifier = /"verifier":"([^"]+)"/.exec((await app.redis!.get(sessions[0]!)) ?? '')![1]!;
  const end = await b.navigate(start.headers.location!);
  assert.equal(end.status, 200);
  const callback = b.seen.find((s) => s.url.includes('/auth/callback'))!;
  const code = new URL(callback.url).searchParams.get('code')!;

  await b.request(`${app.url}/api/record/823520553`);
  await b.request(`${app.url}/api/app-record/823520553`);
  await b.request(`${app.url}/api/hmac-record/823520553`);
  now += 1200 * 1000; // refresh
  await b.request(`${app.url}/api/record/823520553`);
  await b.request(`${app.url}/api/refresh`, { method: 'POST' });
  proxy.delayMs = 1500; // Redis too slow: command timeouts
  assert.equal((await b.request(`${app.url}/api/me`)).status, 503);
  proxy.delayMs = 0;
  await new Promise((r) => setTimeout(r, 1600));
  sim.faults.failNext(3, { status: 500, target: 'api' });
  assert.equal(JSON.parse((await b.request(`${app.url}/api/record/823520553`)).body).status, 500);
  sim.faults.failNext(1, { status: 500, target: 'token' });
  now += 1200 * 1000; // a refresh that OCLC fails (and the token expired): 503
  await b.request(`${app.url}/api/record/823520553`);
  const sid = decodeURIComponent(b.cookie(app.url, 'oclc.sid')!).slice(2).split('.')[0]!;
  await b.request(`${app.url}/auth/logout`, { method: 'POST', headers: { origin: app.url } });

  const secrets: Array<[string, string]> = [
    ['state', state],
    ['verifier', verifier],
    ['code', code],
    ['session id', sid],
    ['WSKey secret', 'simulator-secret'],
    ['Basic credentials', Buffer.from('simulator-key:simulator-secret').toString('base64')],
  ];
  const tokenPattern = /\b(tk|rt|auth)_[A-Za-z0-9_-]{10,}/;
  for (const expected of [
    'login started',
    'signed in',
    'refreshing grant',
    'session store failed',
    'signed out',
  ]) {
    assert.ok(
      logs.some((l) => l.includes(expected)),
      `logged: ${expected}`,
    );
  }
  for (const line of logs) {
    assert.doesNotMatch(line, tokenPattern, line);
    assert.doesNotMatch(line, /Bearer |Basic [A-Za-z0-9+/=]{8,}|wskey\/v2\/hmac\/v1 clientId/, line);
    for (const [name, value] of secrets) assert.ok(!line.includes(value), `${name} in log: ${line}`);
  }
  for (const seen of b.seen.filter((s) => s.url.startsWith(app.url))) {
    const { location, 'set-cookie': setCookie, ...headers } = seen.headers;
    const text = `${JSON.stringify(headers)}\n${seen.body}`;
    assert.doesNotMatch(text, tokenPattern, seen.url);
    for (const [name, value] of secrets)
      assert.ok(!text.includes(value), `${name} in response to ${seen.url}`);
    // The two protocol places: a Location to OCLC carries the state; Set-Cookie carries the session id.
    if (location && !location.startsWith(sim.url)) {
      for (const [name, value] of secrets)
        assert.ok(!location.includes(value), `${name} in Location ${location}`);
    }
    if (setCookie)
      for (const [name, value] of secrets.filter(([n]) => n !== 'session id'))
        assert.ok(!setCookie.includes(value), name);
  }
});

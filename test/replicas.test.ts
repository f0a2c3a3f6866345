// Three app replicas (child processes) on one Redis: one refresh for a crowd, never an old refresh
// token replayed (rotation and reuse detection on), a slow session write cannot bring old tokens
// back, and a replica killed while holding the refresh lock is taken over within the lock's life.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Simulator, startSimulator } from '../src/index.js';
import { Browser } from './helpers/browser.js';
import { type Proc, startProcess } from './helpers/process.js';
import { freePort, testRedisUrl } from './helpers/redis.js';

const LOCK_TTL_MS = 3000;
let sim: Simulator;
let redis: { url: string; stop: () => Promise<void> };
let replicas: Proc[] = [];
const json = { accept: 'application/json' };

before(async () => {
  redis = await testRedisUrl();
  const ports = [await freePort(), await freePort(), await freePort()];
  sim = await startSimulator({ redirectUris: ports.map((p) => `http://127.0.0.1:${p}/auth/callback`) });
  const script = new URL('./helpers/replica.ts', import.meta.url).pathname;
  replicas = await Promise.all(
    ports.map((port) =>
      startProcess(['--import', 'tsx', script], {
        PORT: String(port),
        REDIS_URL: redis.url,
        SIM_URL: sim.url,
        PREFIX: `replicas:${process.pid}:`,
        LOCK_TTL_MS: String(LOCK_TTL_MS),
      }),
    ),
  );
});
after(async () => {
  for (const r of replicas) await r.stop();
  await sim.close();
  await redis.stop();
});

/** Signs in on replica 0 with 4-second access tokens, shares the cookie, and waits until it is due. */
async function signedInAndDue(): Promise<Browser> {
  sim.faults.setLifetimes({ accessTokenSeconds: 4 });
  const b = new Browser(json);
  const end = await b.navigate(`${replicas[0]!.url}/auth?returnTo=/api/me`);
  assert.equal(end.status, 200, end.body);
  const cookie = b.cookie(replicas[0]!.url, 'oclc.sid')!;
  for (const r of replicas) b.setCookie(r.url, 'oclc.sid', cookie);
  // Refresh is due at half a 4 s life.
  await sleep(2200);
  return b;
}

const ok = (r: { status: number; body: string }) => r.status === 200 && JSON.parse(r.body).status === 200;

describe('three replicas on one Redis', () => {
  it('300 concurrent requests on an expired token → exactly one token request, all succeed', async () => {
    sim.reset();
    const b = await signedInAndDue();
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => b.request(`${replicas[i % 3]!.url}/api/record/823520553`)),
    );
    assert.equal(
      results.filter(ok).length,
      300,
      results
        .filter((r) => !ok(r))
        .map((r) => `${r.status} ${r.body.slice(0, 80)}`)
        .slice(0, 3)
        .join(' | '),
    );
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
    assert.equal(sim.stats().familiesRevoked, 0);
  });

  it('a slow request saving the session while a refresh happens: the newest refresh token survives', async () => {
    sim.reset();
    const b = await signedInAndDue();
    const slow = b.request(`${replicas[1]!.url}/api/slow-session?ms=800`, { method: 'POST' });
    await sleep(100);
    const during = await b.request(`${replicas[2]!.url}/api/record/823520553`);
    assert.ok(ok(during));
    assert.equal(JSON.parse((await slow).body).visits, 1);
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
    // The next expiry: the refresh must use the rotated token, not one the slow save held.
    await sleep(2200);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => b.request(`${replicas[i % 3]!.url}/api/record/823520553`)),
    );
    assert.ok(results.every(ok));
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 2, failed: 0 });
    assert.equal(sim.stats().familiesRevoked, 0, 'no old refresh token was ever replayed');
  });

  it('the replica holding the refresh lock is killed mid-refresh → another completes within the lock life', async () => {
    sim.reset();
    const b = await signedInAndDue();
    sim.faults.hang({ target: 'token', count: 1 });
    const doomed = b.request(`${replicas[0]!.url}/api/record/823520553`).catch(() => null);
    for (let i = 0; i < 100 && sim.stats().faultsInjected === 0; i++) await sleep(20);
    assert.equal(sim.stats().faultsInjected, 1, 'replica 0 holds the lock and waits on OCLC');
    await replicas[0]!.kill();
    await doomed;
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => b.request(`${replicas[1 + (i % 2)]!.url}/api/record/823520553`)),
    );
    const elapsed = Date.now() - started;
    for (const r of results) assert.ok(ok(r) || r.status === 503, `${r.status} ${r.body.slice(0, 100)}`);
    assert.ok(results.some(ok), 'the survivors refreshed');
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
    assert.equal(sim.stats().familiesRevoked, 0);
    // Reported, not asserted: how long the survivors waited for the dead replica's lock.
    console.log(`# survivors answered after ${elapsed} ms (lock TTL ${LOCK_TTL_MS} ms)`);
  });
});

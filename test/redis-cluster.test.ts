// A real local Redis Cluster (three masters): the session store and the token store — compare-and-set,
// locks, app-token cache — work on it, and every key of a grant lands in one hash slot.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Cluster } from 'ioredis';
import {
  createRedisCluster,
  deriveTokenKey,
  RedisTokenStore,
  redisReady,
  type Simulator,
  startSimulator,
} from '../src/index.js';
import { SESSION_SECRET, startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { sampleGrant } from './helpers/fixtures.js';
import { freePort, type PrivateCluster, startPrivateCluster } from './helpers/redis.js';

let cluster: PrivateCluster;
let client: Cluster;
before(async () => {
  cluster = await startPrivateCluster();
  client = createRedisCluster(cluster.nodes);
  await redisReady(client, 10_000);
});
after(async () => {
  client.disconnect();
  await cluster.stop();
});

describe('Redis Cluster', () => {
  it('runs the token store: create, compare-and-set, locks, app tokens, delete', async () => {
    const store = new RedisTokenStore({
      redis: client,
      prefix: 'c:',
      encryptionKeys: [deriveTokenKey(SESSION_SECRET)],
    });
    const grant = sampleGrant('tk_cluster_token', 'rt_cluster');
    const record = grant.record;
    const ids = Array.from({ length: 20 }, (_, i) => `grant-${i}`);
    for (const id of ids) {
      assert.equal((await store.writeGrant(id, grant, null, 60_000))?.version, 1);
      assert.equal((await store.writeGrant(id, grant, 1, 60_000))?.version, 2);
      assert.equal(await store.writeGrant(id, grant, 1, 60_000), null);
      const owner = await store.acquireLock(id, 5000);
      assert.ok(owner);
      assert.equal(await store.acquireLock(id, 5000), null);
      await store.releaseLock(id, owner);
      assert.equal((await store.readGrant(id))?.record.accessToken, 'tk_cluster_token');
    }
    // The keys spread over the masters, and each grant's keys share one slot.
    const slots = new Set<number>();
    for (const id of ids) {
      const grantSlot = Number(await client.call('CLUSTER', 'KEYSLOT', store.grantKey(id)));
      assert.equal(Number(await client.call('CLUSTER', 'KEYSLOT', store.lockKey(id))), grantSlot);
      slots.add(grantSlot);
    }
    assert.ok(slots.size > 1);
    await store.appTokens.set('k', record, 60_000);
    assert.equal((await store.appTokens.get('k'))?.accessToken, 'tk_cluster_token');
    const lock = await store.appTokens.acquireLock!('k', 5000);
    assert.ok(lock);
    await store.appTokens.releaseLock!('k', lock);
    for (const id of ids) await store.deleteGrant(id);
    assert.equal(await store.readGrant(ids[0]!), null);
  });

  describe('an app on the cluster', () => {
    let sim: Simulator;
    let app: TestApp;
    let now = Date.now();
    before(async () => {
      const port = await freePort();
      sim = await startSimulator({ redirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
      app = await startApp({
        sim,
        port,
        redisUrl: null,
        redisClient: client,
        prefix: 'app:',
        config: { clock: () => now, grantCacheMs: 0 },
      });
    });
    after(async () => {
      await app.close();
      await sim.close();
    });

    it('signs in (session and grant on the cluster), refreshes once under load, signs out', async () => {
      const b = new Browser({ accept: 'application/json' });
      const end = await b.navigate(`${app.url}/auth?returnTo=/api/me`);
      assert.equal(end.status, 200, end.body);
      now += 1200 * 1000;
      const results = await Promise.all(
        Array.from({ length: 30 }, () => b.request(`${app.url}/api/record/823520553`)),
      );
      assert.ok(results.every((r) => JSON.parse(r.body).status === 200));
      assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
      const out = await b.request(`${app.url}/auth/logout`, { method: 'POST', headers: { origin: app.url } });
      assert.equal(out.status, 303);
      assert.equal((await b.request(`${app.url}/api/me`)).status, 401);
    });
  });
});

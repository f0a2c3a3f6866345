// Both TokenStores against the same contract; the Redis one against a real (private) Redis.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedisClient, MemoryTokenStore, RedisTokenStore, type TokenStore } from '../src/index.js';
import { sampleGrant } from './helpers/fixtures.js';
import { useTestRedis } from './helpers/redis.js';

const data = sampleGrant();
const record = data.record;

const KEY = { id: 'k1', key: Buffer.alloc(32, 7) };

const testRedis = useTestRedis();

function contract(name: string, make: () => TokenStore) {
  describe(`${name} TokenStore`, () => {
    it('creates only when absent, then compares and sets on the version', async () => {
      const store = make();
      const id = `g-${Math.random()}`;
      assert.equal(await store.readGrant(id), null);
      const first = await store.writeGrant(id, data, null, 60_000);
      assert.equal(first?.version, 1);
      assert.equal(await store.writeGrant(id, data, null, 60_000), null, 'create refuses an existing grant');
      const next = { ...data, record: { ...record, accessToken: 'tk_b' } };
      const second = await store.writeGrant(id, next, 1, 60_000);
      assert.equal(second?.version, 2);
      assert.equal(await store.writeGrant(id, data, 1, 60_000), null, 'a stale version loses');
      const read = await store.readGrant(id);
      assert.equal(read?.record.accessToken, 'tk_b');
      assert.equal(read?.version, 2);
      assert.deepEqual(read?.user, data.user);
      await store.deleteGrant(id);
      assert.equal(await store.readGrant(id), null);
      assert.equal(await store.writeGrant(id, data, 2, 60_000), null, 'a deleted grant is not resurrected');
    });

    it('locks are exclusive and released only by their owner', async () => {
      const store = make();
      const name = `l-${Math.random()}`;
      const owner = await store.acquireLock(name, 5_000);
      assert.ok(owner);
      assert.equal(await store.acquireLock(name, 5_000), null);
      await store.releaseLock(name, 'someone-else');
      assert.equal(await store.acquireLock(name, 5_000), null);
      await store.releaseLock(name, owner);
      assert.ok(await store.acquireLock(name, 5_000));
    });

    it('caches app tokens', async () => {
      const store = make();
      await store.appTokens.set('k1', record, 60_000);
      assert.equal((await store.appTokens.get('k1'))?.accessToken, 'tk_a');
      await store.appTokens.delete('k1');
      assert.equal(await store.appTokens.get('k1'), undefined);
    });
  });
}

contract('memory', () => new MemoryTokenStore());
contract(
  'Redis',
  () => new RedisTokenStore({ redis: testRedis.redis, prefix: `ts:${process.pid}:`, encryptionKeys: [KEY] }),
);

describe('Redis layout', () => {
  it('keeps a grant and its lock in one hash slot, with a TTL from the refresh token', async () => {
    const store = new RedisTokenStore({
      redis: testRedis.redis,
      prefix: `layout:${process.pid}:`,
      encryptionKeys: [KEY],
    });
    await store.writeGrant('abc', data, null, 3_600_000);
    const grantKey = store.grantKey('abc');
    const lockKey = store.lockKey('abc');
    // Redis hashes only the text between the first { and the next }: both keys hash `abc`.
    const tag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1];
    assert.equal(tag(grantKey), 'abc');
    assert.equal(tag(lockKey), 'abc');
    assert.ok(grantKey.indexOf('{') === grantKey.indexOf('{abc}'), 'no earlier brace in the prefix');
    const ttl = await testRedis.redis.pttl(grantKey);
    assert.ok(ttl > 3_500_000 && ttl <= 3_600_000, String(ttl));
    assert.equal(await testRedis.redis.hget(grantKey, 'v'), '1');
  });

  it('an unreadable grant reads as signed out', async () => {
    const store = new RedisTokenStore({
      redis: testRedis.redis,
      prefix: `bad:${process.pid}:`,
      encryptionKeys: [KEY],
    });
    await testRedis.redis.hset(store.grantKey('x'), 'v', '1', 'd', '{not json');
    assert.equal(await store.readGrant('x'), null);
  });

  it('Redis failures become OCLC_STORE_UNAVAILABLE without command arguments', async () => {
    const dead = createRedisClient('redis://127.0.0.1:9', { retryStrategy: () => null });
    const store = new RedisTokenStore({ redis: dead, prefix: 'dead:', encryptionKeys: false });
    await assert.rejects(store.readGrant('secret-grant-id'), (err: unknown) => {
      const e = err as { code: string; status: number; message: string; retryAfterSeconds: number };
      assert.equal(e.code, 'OCLC_STORE_UNAVAILABLE');
      assert.equal(e.status, 503);
      assert.ok(e.retryAfterSeconds > 0);
      assert.ok(!e.message.includes('secret-grant-id'));
      return true;
    });
    dead.disconnect();
  });
});

// Tokens at rest: AES-256-GCM per field, key id in the envelope, AAD binding grant and field,
// rotation by prepending keys; an undecryptable grant means "sign in again", never a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  deriveTokenKey,
  OclcConfigError,
  RedisTokenStore,
  type Simulator,
  startSimulator,
  TokenCipher,
} from '../src/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { sampleGrant } from './helpers/fixtures.js';
import { freePort, useTestRedis } from './helpers/redis.js';

const k1 = { id: 'k1', key: Buffer.alloc(32, 1) };
const k2 = { id: 'k2', key: Buffer.alloc(32, 2).toString('base64') };
const TOKENS = /\b(tk|rt|auth)_[A-Za-z0-9_-]{10,}/;

const testRedis = useTestRedis();

describe('TokenCipher', () => {
  it('round-trips, binds to its context, and names its key', () => {
    const c = new TokenCipher([k1]);
    const sealed = c.encrypt('tk_secret_value', 'g1\naccessToken');
    assert.match(sealed, /^v1\.k1\./);
    assert.ok(!sealed.includes('tk_secret_value'));
    assert.equal(c.decrypt(sealed, 'g1\naccessToken'), 'tk_secret_value');
    assert.throws(() => c.decrypt(sealed, 'g2\naccessToken'), /authentication failed/);
    assert.throws(() => c.decrypt(sealed, 'g1\nrefreshToken'), /authentication failed/);
    assert.notEqual(c.encrypt('x', 'c'), c.encrypt('x', 'c'), 'a fresh IV every time');
    const tampered = sealed.replace(
      /\.([A-Za-z0-9_-])([A-Za-z0-9_-]{21})$/,
      (_, a, rest) => `.${a === 'A' ? 'B' : 'A'}${rest}`,
    );
    assert.throws(() => c.decrypt(tampered, 'g1\naccessToken'), /authentication failed/);
    assert.throws(() => new TokenCipher([k2]).decrypt(sealed, 'g1\naccessToken'), /unknown key id/);
  });

  it('rotates by prepending: the first key encrypts, all decrypt', () => {
    const old = new TokenCipher([k1]).encrypt('rt_value', 'ctx');
    const ring = new TokenCipher([k2, k1]);
    assert.equal(ring.decrypt(old, 'ctx'), 'rt_value');
    assert.match(ring.encrypt('rt_value', 'ctx'), /^v1\.k2\./);
  });

  it('refuses keys that are not 32 bytes, duplicate ids, and an empty ring', () => {
    assert.throws(() => new TokenCipher([{ id: 'a', key: 'short' }]), OclcConfigError);
    assert.throws(() => new TokenCipher([k1, { ...k1 }]), OclcConfigError);
    assert.throws(() => new TokenCipher([]), OclcConfigError);
    assert.throws(() => new TokenCipher([{ id: 'bad id', key: Buffer.alloc(32) }]), OclcConfigError);
    assert.throws(() => deriveTokenKey('short'), OclcConfigError);
    assert.deepEqual(
      deriveTokenKey('x'.repeat(32)).key,
      deriveTokenKey('x'.repeat(32)).key,
      'derived keys are stable',
    );
  });

  it('RedisTokenStore insists on a decision about encryption', () => {
    assert.throws(
      () => new RedisTokenStore({ redis: testRedis.redis } as never),
      /encryptionKeys is required/,
    );
  });
});

describe('RedisTokenStore at rest', () => {
  const grant = sampleGrant('tk_plaintext_access_token_1', 'rt_plaintext_refresh_token');
  const record = grant.record;

  it('stores no token plaintext; a ciphertext moved to another grant does not decrypt', async () => {
    const store = new RedisTokenStore({
      redis: testRedis.redis,
      prefix: `enc:${process.pid}:`,
      encryptionKeys: [k1],
    });
    await store.writeGrant('grant-a', grant, null, 60_000);
    await store.writeGrant('grant-b', grant, null, 60_000);
    const raw = await testRedis.redis.hget(store.grantKey('grant-a'), 'd');
    assert.ok(raw && !TOKENS.test(raw), raw ?? '');
    assert.equal((await store.readGrant('grant-a'))?.record.accessToken, 'tk_plaintext_access_token_1');
    // Copy grant A's sealed data over grant B: B must not open it.
    await testRedis.redis.hset(store.grantKey('grant-b'), 'd', raw!);
    assert.equal(await store.readGrant('grant-b'), null);
  });

  it('keeps old records readable across a rotation; a dropped key signs the user out', async () => {
    const prefix = `rot:${process.pid}:`;
    await new RedisTokenStore({ redis: testRedis.redis, prefix, encryptionKeys: [k1] }).writeGrant(
      'g',
      grant,
      null,
      60_000,
    );
    const rotated = new RedisTokenStore({ redis: testRedis.redis, prefix, encryptionKeys: [k2, k1] });
    const read = await rotated.readGrant('g');
    assert.equal(read?.record.refreshToken, 'rt_plaintext_refresh_token');
    await rotated.writeGrant('g', grant, read!.version, 60_000);
    assert.match((await testRedis.redis.hget(rotated.grantKey('g'), 'd'))!, /"accessToken":"v1\.k2\./);
    assert.equal(
      await new RedisTokenStore({ redis: testRedis.redis, prefix, encryptionKeys: [k1] }).readGrant('g'),
      null,
    );
  });

  it('seals cached application tokens too', async () => {
    const store = new RedisTokenStore({
      redis: testRedis.redis,
      prefix: `app:${process.pid}:`,
      encryptionKeys: [k1],
    });
    await store.appTokens.set('key', record, 60_000);
    const keys = await testRedis.redis.keys(`app:${process.pid}:*`);
    for (const key of keys) assert.ok(!TOKENS.test((await testRedis.redis.get(key)) ?? ''), key);
    assert.equal((await store.appTokens.get('key'))?.accessToken, 'tk_plaintext_access_token_1');
  });
});

describe('after a full sign-in and refresh', () => {
  let sim: Simulator;
  let app: TestApp;
  let now = Date.now();
  const prefix = `full:${process.pid}:`;
  before(async () => {
    const port = await freePort();
    sim = await startSimulator({ redirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
    app = await startApp({
      sim,
      port,
      redisUrl: testRedis.url,
      prefix,
      config: { clock: () => now, grantCacheMs: 0 },
    });
  });
  after(async () => {
    await app.close();
    await sim.close();
  });

  it('no token, code or verifier is in any Redis value; corrupt ciphertext → sign in again', async () => {
    const b = new Browser({ accept: 'application/json' });
    const start = await b.request(`${app.url}/auth?returnTo=/api/me`);
    // While the login is pending, the verifier is in the session (server-side) — but no token yet.
    await b.navigate(start.headers.location!);
    now += 1200 * 1000;
    assert.equal(JSON.parse((await b.request(`${app.url}/api/record/823520553`)).body).status, 200);
    await b.request(`${app.url}/api/app-record/823520553`);
    assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
    const keys = await testRedis.redis.keys(`${prefix}*`);
    assert.ok(keys.length >= 3, keys.join());
    for (const key of keys) {
      const type = await testRedis.redis.type(key);
      const value =
        type === 'hash'
          ? JSON.stringify(await testRedis.redis.hgetall(key))
          : ((await testRedis.redis.get(key)) ?? '');
      assert.ok(!TOKENS.test(value), `${key}: ${value.slice(0, 200)}`);
    }
    // Break the tag of the stored grant: the next request is "signed out", not a 500.
    const grantKey = keys.find((k) => k.endsWith(':grant'))!;
    const data = (await testRedis.redis.hget(grantKey, 'd'))!;
    await testRedis.redis.hset(
      grantKey,
      'd',
      data.replace(
        /"accessToken":"(v1\.[^.]+\.[^.]+\.)([A-Za-z0-9_-])/,
        (_, head, c) => `"accessToken":"${head}${c === 'A' ? 'B' : 'A'}`,
      ),
    );
    const res = await b.request(`${app.url}/api/me`);
    assert.equal(res.status, 401);
  });
});

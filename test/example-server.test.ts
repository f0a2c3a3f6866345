// npm start as a user runs it: PORT, HTTPS=1 with a self-signed certificate, REDIS_URL.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, it } from 'node:test';
import { Agent, request } from 'undici';
import { createRedisClient, redisReady } from '../src/index.js';
import { Browser } from './helpers/browser.js';
import { freePort, testRedisUrl } from './helpers/redis.js';

const children: ChildProcess[] = [];
let redis: { url: string; stop: () => Promise<void> };
before(async () => {
  redis = await testRedisUrl();
});
after(async () => {
  for (const c of children) c.kill('SIGTERM');
  await redis.stop();
});

async function start(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['example-app/server.js'], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stderr!.on('data', (c) => (out += c));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /demo running at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

it('HTTPS=1 serves https on PORT with a certificate made at start', async () => {
  const port = await freePort();
  const url = await start({ PORT: String(port), HTTPS: '1' });
  assert.equal(url, `https://localhost:${port}`);
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  const res = await request(`https://127.0.0.1:${port}/`, { dispatcher: agent });
  assert.equal(res.statusCode, 200);
  assert.match(await res.body.text(), /Sign in with OCLC/);
  await agent.close();
});

it('REDIS_URL puts sessions and grants in Redis', async () => {
  const port = await freePort();
  const url = await start({ PORT: String(port), REDIS_URL: redis.url, SESSION_SECRET: 'x'.repeat(40) });
  const b = new Browser();
  const end = await b.navigate(`${url}/auth?returnTo=/record`);
  assert.equal(end.status, 200);
  assert.match(end.body, /Bibliographic Record 823520553/);
  const client = createRedisClient(redis.url);
  await redisReady(client);
  try {
    assert.ok((await client.keys('oclc:sess:*')).length >= 1, 'a session in Redis');
    assert.ok((await client.keys('oclc:{*}:grant')).length >= 1, 'a grant in Redis');
  } finally {
    client.disconnect();
  }
});

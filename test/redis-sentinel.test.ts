// Sentinel: a master, a replica and a sentinel. The master dies during a run: a short window of
// 503s, then the app follows the sentinel to the promoted replica by itself; the user stays signed
// in and no old token is written back (the refresh family is never revoked).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisClient, redisReady, type Simulator, startSimulator } from '../src/index.js';
import { startApp, type TestApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { freePort, type PrivateRedis, startPrivateRedis } from './helpers/redis.js';

let master: PrivateRedis;
let replica: PrivateRedis;
let sentinelPort: number;
let sentinel: ReturnType<typeof spawn>;
let sim: Simulator;
let app: TestApp;
let now = Date.now();

function cli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim();
}

before(async () => {
  master = await startPrivateRedis();
  replica = await startPrivateRedis(['--replicaof', '127.0.0.1', String(master.port)]);
  sentinelPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'oclc-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor oclc 127.0.0.1 ${master.port} 1`,
      'sentinel down-after-milliseconds oclc 1000',
      'sentinel failover-timeout oclc 5000',
      'sentinel parallel-syncs oclc 1',
      '',
    ].join('\n'),
  );
  sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !/oclc/.test(cli(sentinelPort, 'sentinel', 'masters')); i++) await sleep(50);
  for (let i = 0; i < 100 && !/master_link_status:up/.test(cli(replica.port, 'info', 'replication')); i++)
    await sleep(50);

  const port = await freePort();
  sim = await startSimulator({ redirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
  const client = createRedisClient({ sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: 'oclc' });
  await redisReady(client, 10_000);
  app = await startApp({
    sim,
    port,
    redisUrl: null,
    redisClient: client,
    prefix: 'sentinel:',
    config: { clock: () => now, grantCacheMs: 0 },
  });
});
after(async () => {
  await app.close();
  app.redis?.disconnect();
  await sim.close();
  sentinel.kill('SIGKILL');
  await master.stop();
  await replica.stop();
});

it('a failover costs a short window of 503s, then service resumes on the new master', async () => {
  const b = new Browser({ accept: 'application/json' });
  assert.equal((await b.navigate(`${app.url}/auth?returnTo=/api/me`)).status, 200);
  cli(master.port, 'wait', '1', '2000'); // the replica has the session and the grant
  await master.kill();

  const statuses: number[] = [];
  let recovered = false;
  const started = Date.now();
  for (let i = 0; i < 200 && !recovered; i++) {
    const res = await b.request(`${app.url}/api/me`);
    statuses.push(res.status);
    assert.ok([200, 503].includes(res.status), `${res.status} ${res.body}`);
    recovered = res.status === 200 && statuses.includes(503);
    if (!recovered) await sleep(100);
  }
  assert.ok(recovered, `statuses: ${statuses.join()}`);
  console.log(
    `# failover window: ${statuses.filter((s) => s === 503).length} × 503 over ${Date.now() - started} ms`,
  );
  assert.equal(cli(replica.port, 'role').split('\n')[0], 'master', 'the replica was promoted');

  // Still signed in on the new master; a refresh works and never replays an old refresh token.
  now += 1200 * 1000;
  const rec = await b.request(`${app.url}/api/record/823520553`);
  assert.equal(JSON.parse(rec.body).status, 200);
  assert.deepEqual(sim.stats().tokenRequests.refresh_token, { ok: 1, failed: 0 });
  assert.equal(sim.stats().familiesRevoked, 0);
});

// Private redis-server processes for tests: never the user's Redis.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisClient, redisReady } from '../../src/index.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function ping(port: number): boolean {
  const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' });
  return r.stdout?.trim() === 'PONG';
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: like a crash). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a redis-server of our own on a free port, without persistence. */
export async function startPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'oclc-redis-'));
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...extraArgs,
      ],
      {
        stdio: 'ignore',
      },
    );
    for (let i = 0; i < 200 && !ping(port); i++) await sleep(25);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The test run's private Redis (scripts/test.mjs sets REDIS_URL), or a new one of our own. */
export async function testRedisUrl(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.OCLC_TEST_PRIVATE_REDIS === '1' && process.env.REDIS_URL)
    return { url: process.env.REDIS_URL, stop: async () => {} };
  const own = await startPrivateRedis();
  return { url: own.url, stop: own.stop };
}

export interface PrivateCluster {
  nodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/** A local Redis Cluster of three masters (no replicas), made with redis-cli --cluster create. */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const servers: PrivateRedis[] = [];
  for (let i = 0; i < 3; i++) {
    servers.push(
      await startPrivateRedis([
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${i}.conf`,
        '--cluster-node-timeout',
        '2000',
      ]),
    );
  }
  const created = spawnSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...servers.map((s) => `127.0.0.1:${s.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ],
    {
      encoding: 'utf8',
    },
  );
  if (created.status !== 0)
    throw new Error(`redis-cli --cluster create failed: ${created.stdout} ${created.stderr}`);
  // Wait until every node agrees the cluster is ok.
  for (let i = 0; i < 200; i++) {
    const ok = servers.every((s) =>
      /cluster_state:ok/.test(
        spawnSync('redis-cli', ['-p', String(s.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout,
      ),
    );
    if (ok) break;
    await sleep(50);
  }
  return {
    nodes: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    stop: async () => {
      for (const s of servers) await s.stop();
    },
  };
}

/**
 * A connected ioredis client on the test run's Redis for the whole file (before/after hooks).
 * Returns holders read inside tests: `.redis` for the client, `.url` for the server.
 */
export function useTestRedis(): { readonly redis: import('ioredis').Redis; readonly url: string } {
  const state: { redis?: import('ioredis').Redis; handle?: { url: string; stop: () => Promise<void> } } = {};
  before(async () => {
    state.handle = await testRedisUrl();
    state.redis = createRedisClient(state.handle.url);
    await redisReady(state.redis);
  });
  after(async () => {
    state.redis?.disconnect();
    await state.handle?.stop();
  });
  return {
    get redis() {
      return state.redis!;
    },
    get url() {
      return state.handle!.url;
    },
  };
}

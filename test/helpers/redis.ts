// Private redis-server processes for tests: never the user's Redis.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

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
    if (!c || c.exitCode !== null) return;
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

// Soak (a bench script, not a test): sign-ins, API calls, refreshes and logouts across three
// replicas on one Redis for a while (default 10 minutes), sampling memory, in-flight maps, open
// sockets and Redis keys over time. Nothing may grow without bound.
//   npx tsx bench/soak.ts [--minutes 10] [--users 24]
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startSimulator } from '../src/index.js';
import { Browser } from '../test/helpers/browser.js';
import { startProcess } from '../test/helpers/process.js';
import { freePort, startPrivateRedis } from '../test/helpers/redis.js';
import { table } from './lib.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const minutes = arg('minutes', 10);
const users = arg('users', 24);
const sampleEveryMs = Math.max(5000, (minutes * 60_000) / 20);

const redisServer = await startPrivateRedis();
const redis = new Redis(redisServer.url);
const ports = [await freePort(), await freePort(), await freePort()];
// 4-second access tokens (refresh due at 2 s) so every signed-in user refreshes; rotation and reuse detection on.
const sim = await startSimulator({
  redirectUris: ports.map((p) => `http://127.0.0.1:${p}/auth/callback`),
  accessTokenSeconds: 4,
  dailyRequestCap: 1e9,
});
const script = new URL('../test/helpers/replica.ts', import.meta.url).pathname;
const replicas = await Promise.all(
  ports.map((port) =>
    startProcess(['--import', 'tsx', script], {
      PORT: String(port),
      REDIS_URL: redisServer.url,
      SIM_URL: sim.url,
      PREFIX: 'soak:',
    }),
  ),
);

const counts = { signIns: 0, apiCalls: 0, logouts: 0, errors: 0 };
const samples: Array<Record<string, string | number>> = [];
let running = true;

async function user(n: number): Promise<void> {
  while (running) {
    const b = new Browser({ accept: 'application/json' });
    const home = replicas[n % 3]!.url;
    const end = await b.navigate(`${home}/auth?returnTo=/api/me`).catch(() => null);
    if (end?.status !== 200) {
      counts.errors += 1;
      await sleep(500);
      continue;
    }
    counts.signIns += 1;
    const cookie = b.cookie(home, 'oclc.sid')!;
    for (const r of replicas) b.setCookie(r.url, 'oclc.sid', cookie);
    const calls = 20 + (n % 20);
    for (let i = 0; i < calls && running; i++) {
      const res = await b.request(`${replicas[(n + i) % 3]!.url}/api/record/823520553`).catch(() => null);
      counts.apiCalls += 1;
      if (res?.status !== 200 || JSON.parse(res.body).status !== 200) counts.errors += 1;
      await sleep(50 + ((n * 37 + i * 11) % 200));
    }
    // Every session ends in a logout, so live sessions and grants should stay near the user count.
    await b.request(`${home}/auth/logout`, { method: 'POST', headers: { origin: home } }).catch(() => null);
    counts.logouts += 1;
  }
}

async function sample(elapsedS: number): Promise<void> {
  const stats = await Promise.all(
    replicas.map(async (r) => (await (await fetch(`${r.url}/__stats`)).json()) as Record<string, number>),
  );
  const sum = (k: string) => stats.reduce((n, s) => n + (s[k] ?? 0), 0);
  const live = sim.stats().live;
  samples.push({
    't (s)': elapsedS,
    'rss MB (3 replicas)': stats.map((s) => s.rssMb).join('/'),
    'heap MB': stats.map((s) => s.heapMb).join('/'),
    'refreshes in flight': sum('refreshesInFlight'),
    'grants cached': sum('grantsCached'),
    'open sockets': sum('openConnections'),
    'redis keys': await redis.dbsize(),
    'sim tokens': live.accessTokens + live.refreshTokens,
    'sign-ins': counts.signIns,
    'API calls': counts.apiCalls,
    errors: counts.errors,
  });
  console.error(`soak: ${JSON.stringify(samples.at(-1))}`);
}

const started = Date.now();
const workers = Array.from({ length: users }, (_, n) => user(n));
while (Date.now() - started < minutes * 60_000) {
  await sleep(sampleEveryMs);
  await sample(Math.round((Date.now() - started) / 1000));
}
running = false;
await Promise.all(workers);
const result = { minutes, users, counts, simulator: sim.stats(), samples };
for (const r of replicas) await r.stop();
await sim.close();
redis.disconnect();
await redisServer.stop();

console.log(
  `\nsoak: ${minutes} min, ${users} users, 3 replicas — ${counts.signIns} sign-ins, ${counts.apiCalls} API calls, ${counts.logouts} logouts, ${counts.errors} errors, ${result.simulator.tokenRequests.refresh_token?.ok ?? 0} refreshes, ${result.simulator.familiesRevoked} families revoked\n`,
);
console.log(table(samples));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/soak.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);

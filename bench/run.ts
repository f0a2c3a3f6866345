// npm run bench [-- --quick]: P1–P5 side by side, as ratios from one run, printed as a table and
// written to bench/results/latest.json. Everything on loopback; load from separate processes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Browser } from '../test/helpers/browser.js';
import { freePort, startPrivateRedis } from '../test/helpers/redis.js';
import { loadProcess, type Proc, simulatorProcess, startProcess, table } from './lib.js';
import { runP1 } from './p1-sign.js';

const quick = process.argv.includes('--quick');
const duration = quick ? 3 : 10;
const connections = 32;
const tsx = ['--import', 'tsx'];
const appScript = new URL('./app-server.ts', import.meta.url).pathname;

interface Row {
  id: string;
  what: string;
  ours: string;
  baseline: string;
  ratio: string;
  goal: string;
  met: string;
}
const rows: Row[] = [];
const json: Record<string, unknown> = { quick, startedAt: new Date().toISOString(), node: process.version };

function progress(step: string): void {
  process.stderr.write(`bench: ${step}\n`);
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function simStats(sim: Proc): Promise<{
  tokenRequests: Record<string, { ok: number; failed: number }>;
  apiRequests: Record<string, number>;
}> {
  return (await (await fetch(`${sim.url}/__sim/stats`)).json()) as never;
}

async function simFault(sim: Proc, fault: object): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (!res.ok) throw new Error(`fault refused: ${await res.text()}`);
}

async function commandsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)![1]);
}

async function startApps(n: number, env: Record<string, string>): Promise<Proc[]> {
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  return Promise.all(ports.map((port) => startProcess([...tsx, appScript], { ...env, PORT: String(port) })));
}

async function signIn(appUrl: string): Promise<string> {
  const b = new Browser({ accept: 'application/json' });
  const end = await b.navigate(`${appUrl}/auth?returnTo=/protected`);
  if (end.status !== 200) throw new Error(`sign-in failed: ${end.status} ${end.body.slice(0, 200)}`);
  return `oclc.sid=${b.cookie(appUrl, 'oclc.sid')}`;
}

// ---- P1 ----
progress('P1 signRequest');
{
  const r = runP1(quick);
  const ratio = r.ours / r.floor;
  rows.push({
    id: 'P1',
    what: 'signRequest ops/s (fixed timestamp+nonce)',
    ours: fmt(r.ours),
    baseline: `${fmt(r.floor)} (HMAC+base64 floor)`,
    ratio: ratio.toFixed(2),
    goal: '≥ 0.80',
    met: ratio >= 0.8 ? 'yes' : 'no',
  });
  rows.push({
    id: 'P1b',
    what: 'signRequest ops/s (own nonce and clock)',
    ours: fmt(r.oursWithNonceAndClock),
    baseline: fmt(r.floor),
    ratio: (r.oursWithNonceAndClock / r.floor).toFixed(2),
    goal: '—',
    met: '—',
  });
  json.P1 = r;
}

const redisServer = await startPrivateRedis();
const redis = new Redis(redisServer.url);
const sim = await simulatorProcess([
  '--admin',
  '--request-cap',
  '1000000000',
  '--redirect-uri',
  'http://127.0.0.1:1/unused',
]);
const procs: Proc[] = [];
try {
  // ---- P2 ----
  progress('P2 protected route');
  const [oclcApp] = await startApps(1, { MODE: 'oclc', REDIS_URL: redisServer.url, SIM_URL: sim.url });
  const [plainApp] = await startApps(1, { MODE: 'plain', REDIS_URL: redisServer.url });
  procs.push(oclcApp!, plainApp!);
  // The simulator accepts the bench apps' redirect URIs only if registered: restart it with them.
  await sim.stop();
  const sim2 = await simulatorProcess([
    '--admin',
    '--request-cap',
    '1000000000',
    '--port',
    new URL(sim.url).port,
    '--redirect-uri',
    `${oclcApp!.url}/auth/callback`,
  ]);
  procs.push(sim2);
  const oclcCookie = await signIn(oclcApp!.url);
  const plainLogin = await fetch(`${plainApp!.url}/login`);
  const plainCookie = plainLogin.headers.getSetCookie()[0]!.split(';')[0]!;

  const perRequest = async (url: string, cookie: string) => {
    const amount = quick ? 2000 : 10000;
    const before = await commandsProcessed(redis);
    await loadProcess(url, { connections: 8, amount, headers: { cookie } });
    return ((await commandsProcessed(redis)) - before - 1) / amount;
  };
  const oclcCommands = await perRequest(`${oclcApp!.url}/protected`, oclcCookie);
  const plainCommands = await perRequest(`${plainApp!.url}/protected`, plainCookie);
  // Interleave and repeat: the median of each side.
  const oclcRuns = [];
  const plainRuns = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    plainRuns.push(
      await loadProcess(`${plainApp!.url}/protected`, {
        connections,
        duration,
        headers: { cookie: plainCookie },
      }),
    );
    oclcRuns.push(
      await loadProcess(`${oclcApp!.url}/protected`, {
        connections,
        duration,
        headers: { cookie: oclcCookie },
      }),
    );
  }
  const mid = <T extends { requestsPerSecond: number }>(xs: T[]) =>
    [...xs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(xs.length / 2)]!;
  const o2 = mid(oclcRuns);
  const p2 = mid(plainRuns);
  if (o2.non2xx || p2.non2xx) throw new Error(`P2: non-2xx answers (ours ${o2.non2xx}, plain ${p2.non2xx})`);
  rows.push({
    id: 'P2',
    what: 'protected route req/s (p99 ms)',
    ours: `${fmt(o2.requestsPerSecond)} (${o2.p99Ms})`,
    baseline: `${fmt(p2.requestsPerSecond)} (${p2.p99Ms}) express-session+connect-redis`,
    ratio: (o2.requestsPerSecond / p2.requestsPerSecond).toFixed(2),
    goal: '≥ 0.90',
    met: o2.requestsPerSecond / p2.requestsPerSecond >= 0.9 ? 'yes' : 'no',
  });
  rows.push({
    id: 'P2r',
    what: 'Redis commands per request',
    ours: oclcCommands.toFixed(2),
    baseline: plainCommands.toFixed(2),
    ratio: '—',
    goal: 'counted',
    met: '—',
  });
  json.P2 = {
    ours: oclcRuns,
    baseline: plainRuns,
    redisCommandsPerRequest: { ours: oclcCommands, baseline: plainCommands },
  };

  // ---- P3 ----
  progress('P3 req.oclc.fetch');
  const f3 = [];
  const r3 = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    r3.push(
      await loadProcess(`${oclcApp!.url}/p3/raw`, { connections, duration, headers: { cookie: oclcCookie } }),
    );
    f3.push(
      await loadProcess(`${oclcApp!.url}/p3/fetch`, {
        connections,
        duration,
        headers: { cookie: oclcCookie },
      }),
    );
  }
  const o3 = mid(f3);
  const b3 = mid(r3);
  rows.push({
    id: 'P3',
    what: 'req.oclc.fetch of a simulator record, req/s',
    ours: `${fmt(o3.requestsPerSecond)} (${o3.p99Ms})`,
    baseline: `${fmt(b3.requestsPerSecond)} (${b3.p99Ms}) undici.request`,
    ratio: (o3.requestsPerSecond / b3.requestsPerSecond).toFixed(2),
    goal: '≥ 0.90',
    met: o3.requestsPerSecond / b3.requestsPerSecond >= 0.9 ? 'yes' : 'no',
  });
  json.P3 = { ours: f3, baseline: r3 };
  await oclcApp!.stop();
  await plainApp!.stop();

  // ---- P4: refresh storm over 4 processes ----
  progress('P4 refresh storm');
  const workers = await startApps(4, { MODE: 'oclc', REDIS_URL: redisServer.url, SIM_URL: sim2.url });
  procs.push(...workers);
  await sim2.stop();
  const sim3 = await simulatorProcess([
    '--admin',
    '--request-cap',
    '1000000000',
    '--port',
    new URL(sim2.url).port,
    ...workers.flatMap((w) => ['--redirect-uri', `${w.url}/auth/callback`]),
  ]);
  procs.push(sim3);
  // Short-lived access tokens, so the signed-in token is due soon; then 500 requests at once.
  await simFault(sim3, { type: 'lifetimes', accessTokenSeconds: 4 });
  const cookie4 = await signIn(workers[0]!.url);
  await simFault(sim3, { type: 'lifetimes', accessTokenSeconds: 1199 });
  await sleep(2500);
  const before4 = (await simStats(sim3)).tokenRequests.refresh_token?.ok ?? 0;
  const storm = await Promise.all(
    Array.from({ length: 500 }, (_, i) =>
      fetch(`${workers[i % 4]!.url}/p4`, { headers: { cookie: cookie4, accept: 'application/json' } }).then(
        async (r) => {
          await r.text();
          return r.status;
        },
        () => 0,
      ),
    ),
  );
  const stats4 = await simStats(sim3);
  const refreshes = (stats4.tokenRequests.refresh_token?.ok ?? 0) - before4;
  const errors4 = storm.filter((s) => s !== 200).length;
  rows.push({
    id: 'P4',
    what: 'refresh storm: 500 requests, 4 processes',
    ours: `${refreshes} token request(s), ${errors4} errors`,
    baseline: '—',
    ratio: '—',
    goal: '1 token request, 0 errors',
    met: refreshes === 1 && errors4 === 0 ? 'yes' : 'no',
  });
  json.P4 = {
    tokenRequests: refreshes,
    errors: errors4,
    failedRefreshes: stats4.tokenRequests.refresh_token?.failed ?? 0,
  };

  // ---- P5: client-credentials cache over 4 processes ----
  progress('P5 app tokens');
  const before5 = (await simStats(sim3)).tokenRequests.client_credentials?.ok ?? 0;
  const calls = quick ? 2000 : 10_000;
  const t5 = Date.now();
  const loads = await Promise.all(
    workers.map((w) => loadProcess(`${w.url}/p5`, { connections: 16, amount: calls / 4 })),
  );
  const seconds5 = (Date.now() - t5) / 1000;
  progress('P5 load done');
  const tokens5 = ((await simStats(sim3)).tokenRequests.client_credentials?.ok ?? 0) - before5;
  const errors5 = loads.reduce((n, l) => n + l.non2xx + l.errors, 0);
  rows.push({
    id: 'P5',
    what: `appFetch ×${calls}, 4 processes (${seconds5.toFixed(1)} s)`,
    ours: `${tokens5} token request(s), ${errors5} errors`,
    baseline: '—',
    ratio: '—',
    goal: '1 per token lifetime (1199 s)',
    met: tokens5 === 1 && errors5 === 0 ? 'yes' : 'no',
  });
  json.P5 = { calls, seconds: seconds5, tokenRequests: tokens5, errors: errors5 };
} finally {
  progress('stopping');
  for (const p of procs) {
    progress(`stop ${p.url}`);
    await p.stop().catch(() => {});
  }
  await sim.stop().catch(() => {});
  redis.disconnect();
  await redisServer.stop();
}

json.rows = rows;
console.log(
  `\noclc-auth-express benchmarks${quick ? ' (quick)' : ''} — ${process.version}, ${connections} connections, ${duration} s per load run\n`,
);
console.log(table(rows as unknown as Array<Record<string, string>>));
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('latest.json', dir), `${JSON.stringify(json, null, 2)}\n`);
console.log(`\nwritten to bench/results/latest.json`);

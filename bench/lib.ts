// Shared bench plumbing: processes that print their URL, autocannon from its own process, tables.
import { spawn } from 'node:child_process';
import { type Proc, startProcess } from '../test/helpers/process.js';

export { type Proc, startProcess };

import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  total: number;
}

/** autocannon in this process (used where the load generator's own cost does not matter). */
export async function load(options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon(options);
  return summarize(result as unknown as AutocannonJson);
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

function summarize(result: AutocannonJson): LoadResult {
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
}

/** autocannon in a separate process, so the load generator never shares a thread with the server. */
export function loadProcess(
  url: string,
  options: { connections: number; duration?: number; amount?: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  const bin = new URL('../node_modules/autocannon/autocannon.js', import.meta.url).pathname;
  const args = [bin, '-j', '-c', String(options.connections)];
  if (options.amount) args.push('-a', String(options.amount));
  else args.push('-d', String(options.duration ?? 5));
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push('-H', `${k}=${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      try {
        resolve(summarize(JSON.parse(out) as AutocannonJson));
      } catch {
        reject(new Error(`autocannon output: ${out.slice(0, 200)} ${err}`));
      }
    });
  });
}

/** `oclc-auth simulator` in a child process (so its CPU is not ours). */
export function simulatorProcess(args: string[] = []): Promise<Proc> {
  const bin = new URL('../bin/oclc-auth.cjs', import.meta.url).pathname;
  return startProcess([bin, 'simulator', '--port', '0', ...args]);
}

export function table(rows: Array<Record<string, string | number>>): string {
  const keys = Object.keys(rows[0] ?? {});
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(keys),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(keys.map((k) => String(r[k])))),
  ].join('\n');
}

// P1: signRequest operations per second against the floor — HMAC-SHA256 + base64 of the same
// ready-made string with node:crypto.
import { createHmac } from 'node:crypto';
import { normalizeRequest, signRequest } from '../src/index.js';

const input = {
  key: 'jdfRzYZbLc8HZXFByyyLGrUqTOOmkJOAPi4tAN0E7xI3hgE2xDgwJ7YPtkwM6W3ol5yz0d0JHgE1G2Wa',
  secret: 'UYnwZbmvf3fAXCEa0JryLQ==',
  method: 'GET',
  url: 'https://worldcat.org/bib/data/823520553?classificationScheme=LibraryOfCongress&holdingLibraryCode=MAIN',
  timestamp: '1361408273',
  nonce: '981333313127278655903652665637',
};

function opsPerSecond(fn: () => unknown, ms: number): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < until) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    now = process.hrtime.bigint();
  }
  return (n * 1e9) / Number(now - start);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function runP1(quick: boolean) {
  const normalized = normalizeRequest(input);
  const floor = () => createHmac('sha256', input.secret).update(normalized, 'utf8').digest('base64');
  const ours = () => signRequest(input);
  const oursDefault = () =>
    signRequest({ key: input.key, secret: input.secret, method: input.method, url: input.url });
  if (floor() !== ours().signature) throw new Error('P1: the floor and signRequest disagree');
  const ms = quick ? 300 : 1500;
  // Interleaved rounds, median of each: a noisy neighbour moves both sides alike.
  const f: number[] = [];
  const o: number[] = [];
  const d: number[] = [];
  opsPerSecond(floor, 200);
  opsPerSecond(ours, 200);
  for (let round = 0; round < (quick ? 3 : 5); round++) {
    f.push(opsPerSecond(floor, ms));
    o.push(opsPerSecond(ours, ms));
    d.push(opsPerSecond(oursDefault, ms));
  }
  return { floor: median(f), ours: median(o), oursWithNonceAndClock: median(d) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = runP1(process.argv.includes('--quick'));
  console.log(r, 'ratio', (r.ours / r.floor).toFixed(2));
}

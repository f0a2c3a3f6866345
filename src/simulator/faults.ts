// Faults on demand, for tests and benchmarks: latency, error statuses, 429s, hangs, a lost answer
// after a refresh-token rotation, revocations and short token lifetimes.
import type { Lifetimes, SimulatorState } from './state.js';

/** Which requests a fault applies to: token endpoints, login pages, API calls, or all of them. */
export type FaultTarget = 'token' | 'login' | 'api' | 'all';

export type FaultAction =
  | { type: 'status'; status: number }
  | { type: 'rate-limit'; retryAfterSeconds: number }
  | { type: 'hang' };

interface Rule {
  target: FaultTarget;
  remaining: number;
  action: FaultAction;
}

export class Faults {
  readonly #rules: Rule[] = [];
  readonly #latency = new Map<FaultTarget, number>();
  #dropAfterRotate = 0;

  constructor(
    private readonly state: SimulatorState,
    private readonly defaults: Lifetimes,
    private readonly releaseHung: () => void,
  ) {}

  /** Adds `ms` of delay before every matching request is answered, until cleared. */
  latency(ms: number, target: FaultTarget = 'all'): void {
    this.#latency.set(target, Math.max(0, ms));
  }

  /** The next `count` matching requests answer `status` (5xx by default) in OCLC's error shape. */
  failNext(count = 1, options: { status?: number; target?: FaultTarget } = {}): void {
    this.#rules.push({
      target: options.target ?? 'token',
      remaining: count,
      action: { type: 'status', status: options.status ?? 500 },
    });
  }

  /** The next `count` matching requests answer 429 with `Retry-After`. */
  rateLimitNext(count = 1, options: { retryAfterSeconds?: number; target?: FaultTarget } = {}): void {
    this.#rules.push({
      target: options.target ?? 'api',
      remaining: count,
      action: { type: 'rate-limit', retryAfterSeconds: options.retryAfterSeconds ?? 1 },
    });
  }

  /** Matching requests are accepted and never answered (until clear() or close()). */
  hang(options: { target?: FaultTarget; count?: number } = {}): void {
    this.#rules.push({
      target: options.target ?? 'all',
      remaining: options.count ?? Number.POSITIVE_INFINITY,
      action: { type: 'hang' },
    });
  }

  /** The next `count` refreshes rotate the refresh token, then drop the connection without answering. */
  dropAfterRotate(count = 1): void {
    this.#dropAfterRotate += count;
  }

  /** Revokes an access or refresh token (a refresh token takes its whole family). */
  revoke(token: string): boolean {
    return this.state.revoke(token);
  }

  revokeAll(): void {
    this.state.revokeAll();
  }

  /** Revokes every live access token but no refresh token (OCLC ending tokens early). */
  revokeAccessTokens(): void {
    this.state.revokeAccessTokens();
  }

  /** Changes the lifetimes of tokens and codes issued from now on (e.g. 3 s for refresh tests). */
  setLifetimes(lifetimes: Partial<Lifetimes>): void {
    this.state.lifetimes = { ...this.state.lifetimes, ...lifetimes };
  }

  /** Removes every fault, restores lifetimes, and releases hung requests. */
  clear(): void {
    this.#rules.length = 0;
    this.#latency.clear();
    this.#dropAfterRotate = 0;
    this.state.lifetimes = { ...this.defaults };
    this.releaseHung();
  }

  /** @internal The delay for a request of this target. */
  latencyFor(target: FaultTarget): number {
    return Math.max(this.#latency.get(target) ?? 0, this.#latency.get('all') ?? 0);
  }

  /** @internal Takes the first fault rule that applies to the request, if any. */
  take(target: FaultTarget): FaultAction | undefined {
    const index = this.#rules.findIndex((r) => r.target === target || r.target === 'all');
    if (index === -1) return undefined;
    const rule = this.#rules[index]!;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#rules.splice(index, 1);
    this.state.countFault();
    return rule.action;
  }

  /** @internal True when this refresh should be answered by a dropped connection. */
  takeDropAfterRotate(): boolean {
    if (this.#dropAfterRotate <= 0) return false;
    this.#dropAfterRotate -= 1;
    this.state.countFault();
    return true;
  }
}

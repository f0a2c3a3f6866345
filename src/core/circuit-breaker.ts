// Stops calling a failing OCLC endpoint for a cool-down after several consecutive failures, so an
// outage does not turn every request into another slow attempt (design.md 5).

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failures?: number;
  /** How long it stays open, ms. Default 30 s. */
  cooldownMs?: number;
  clock?: () => number;
}

export class CircuitBreaker {
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #clock: () => number;
  #failures = 0;
  #openUntil = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failures ?? 5;
    this.#cooldownMs = options.cooldownMs ?? 30_000;
    this.#clock = options.clock ?? Date.now;
  }

  /** Milliseconds until calls may go through again; 0 when they may now. */
  blockedForMs(): number {
    return Math.max(0, this.#openUntil - this.#clock());
  }

  /** OCLC answered (any status it chose to give): the endpoint is up. */
  success(): void {
    this.#failures = 0;
    this.#openUntil = 0;
  }

  /** No answer, or a 5xx. After the threshold, open for the cool-down; one trial call after it. */
  failure(): void {
    this.#failures += 1;
    if (this.#failures >= this.#threshold) {
      this.#openUntil = this.#clock() + this.#cooldownMs;
      // After the cool-down a single failure opens it again; a success closes it.
      this.#failures = this.#threshold - 1;
    }
  }

  get state(): 'closed' | 'open' {
    return this.blockedForMs() > 0 ? 'open' : 'closed';
  }
}

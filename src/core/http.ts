// Outbound HTTP for the protocol core: one undici request with explicit timeouts and a bounded body,
// and the retry policy (design.md 5). The dispatcher is always passed in, never made global.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, request, errors as undiciErrors } from 'undici';
import { OclcError, OclcNetworkError } from './errors.js';

export interface Timeouts {
  /** TCP + TLS connect, ms. Applies to the Agent the client creates for itself. */
  connect: number;
  /** Until response headers arrive, ms. */
  headers: number;
  /** Between body chunks, ms. */
  body: number;
  /** The whole exchange, ms. */
  total: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connect: 5_000, headers: 10_000, body: 10_000, total: 15_000 };

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  dispatcher: Dispatcher;
  timeouts: Timeouts;
  /** Largest body read, bytes; more is an error. */
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  contentType: string | null;
  body: string;
  /** Epoch ms when the headers arrived. */
  receivedAt: number;
}

function headerValue(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function networkError(what: string, err: unknown, timeouts: Timeouts): OclcNetworkError {
  const timedOut =
    err instanceof undiciErrors.ConnectTimeoutError ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));
  if (timedOut) {
    return new OclcNetworkError(`${what}: OCLC did not answer in time (limit ${timeouts.total} ms)`, {
      code: 'OCLC_TIMEOUT',
      cause: err,
    });
  }
  const code = (err as { code?: unknown })?.code;
  return new OclcNetworkError(
    `${what}: could not reach OCLC${typeof code === 'string' ? ` (${code})` : ''}`,
    {
      code: 'OCLC_NETWORK',
      cause: err,
    },
  );
}

/** Sends one request; never retries. Network failures become OclcNetworkError. */
export async function send(what: string, req: HttpRequest): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(req.timeouts.total);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const limit = req.maxBodyBytes ?? 1024 * 1024;
  try {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      dispatcher: req.dispatcher,
      headersTimeout: req.timeouts.headers,
      bodyTimeout: req.timeouts.body,
      signal,
    });
    const receivedAt = Date.now();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        res.body.destroy();
        throw new OclcNetworkError(`${what}: response body is larger than ${limit} bytes`, {
          code: 'OCLC_NETWORK',
        });
      }
      chunks.push(chunk as Buffer);
    }
    return {
      status: res.statusCode,
      headers: res.headers,
      contentType: headerValue(res.headers['content-type']),
      body: Buffer.concat(chunks).toString('utf8'),
      receivedAt,
    };
  } catch (err) {
    if (err instanceof OclcError) throw err;
    throw networkError(what, err, req.timeouts);
  }
}

export interface RetryPolicy {
  /** Further attempts after the first. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is surfaced at once instead of waited for. */
  maxRetryAfterSeconds: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 2,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  maxRetryAfterSeconds: 5,
};

/** Jittered exponential backoff ("full jitter"). */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(cap / 2 + random() * (cap / 2));
}

/**
 * Runs `attempt` until it succeeds, fails with an error `retryable` refuses, or the policy runs out.
 * Each attempt is a fresh call, so signed requests are signed again.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  retryable: (err: unknown) => boolean,
  wait: (ms: number) => Promise<unknown> = sleep,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n >= policy.retries || !retryable(err)) throw err;
      const retryAfter = err instanceof OclcError ? err.retryAfterSeconds : undefined;
      if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterSeconds) throw err;
      await wait(retryAfter !== undefined ? retryAfter * 1000 : backoffDelay(n, policy));
    }
  }
}

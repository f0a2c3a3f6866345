// fetch() with OCLC credentials (design.md 4–5): standard fetch semantics and a standard Response,
// credentials only for allow-listed origins and never across a redirect to another origin, explicit
// timeouts, and one forced re-authorization + retry when an API answers 401 and the body can be replayed.
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, Headers, type RequestInit, Response, request } from 'undici';
import { OclcInputError, OclcNetworkError } from '../core/errors.js';
import { backoffDelay, parseRetryAfter } from '../core/http.js';

export interface Authorizer {
  /**
   * The Authorization header value for one attempt. `refused` is the value an API has just
   * answered 401 to: get a new credential rather than the same one.
   */
  authorize(request: { method: string; url: string; refused?: string }): Promise<string>;
}

export interface ApiRetryPolicy {
  /** Further attempts after the first, for idempotent requests only. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** All waiting for one call stays within this; a longer Retry-After is returned at once. */
  budgetMs: number;
}

export const DEFAULT_API_RETRY: ApiRetryPolicy = {
  retries: 2,
  baseDelayMs: 200,
  maxDelayMs: 2000,
  budgetMs: 5000,
};

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const RETRY_STATUS = new Set([500, 502, 503, 504]);

export interface CredentialedFetchOptions {
  dispatcher: Dispatcher;
  retry?: ApiRetryPolicy;
  isAllowed: (origin: string) => boolean;
  baseURL: string;
  totalTimeoutMs: number;
  authorizer: Authorizer;
  userAgent: string;
}

export type FetchInput = string | URL;
export type FetchInit = RequestInit;

const MAX_REDIRECTS = 5;

function replayable(body: RequestInit['body']): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob
  );
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

type RequestBody = string | Uint8Array | Readable | undefined;

/**
 * A fetch body as undici.request takes it, with the Content-Type fetch would give it. Replayable
 * bodies come back as bytes; a stream stays a (single-use) stream.
 */
async function toRequestBody(body: RequestInit['body'], headers: Headers): Promise<RequestBody> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
    return body;
  }
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ReadableStream)
    return Readable.fromWeb(body as import('node:stream/web').ReadableStream);
  // URLSearchParams, Blob, FormData: let a Response serialize it (and name its Content-Type).
  const serialized = new Response(body as ConstructorParameters<typeof Response>[0]);
  const type = serialized.headers.get('content-type');
  if (type && !headers.has('content-type')) headers.set('content-type', type);
  return new Uint8Array(await serialized.arrayBuffer());
}

function toResponse(url: URL, method: string, res: Dispatcher.ResponseData): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  const empty = NULL_BODY_STATUS.has(res.statusCode) || method === 'HEAD';
  if (empty) res.body.dump().catch(() => {});
  const response = new Response(
    empty ? null : (res.body as unknown as ConstructorParameters<typeof Response>[0]),
    {
      status: res.statusCode,
      headers,
    },
  );
  // A Response made here has no URL of its own; give it the one it came from, as fetch does.
  Object.defineProperty(response, 'url', { value: url.href, enumerable: true });
  return response;
}

function resolve(input: FetchInput, baseURL: string): URL {
  try {
    return new URL(input, baseURL);
  } catch {
    throw new OclcInputError('req.oclc.fetch: the URL does not parse', 'url');
  }
}

/** The caller's own abort stays an AbortError; our timeout and network failures become typed errors. */
function fetchFailure(
  err: unknown,
  url: URL,
  callerSignal: AbortSignal | undefined,
  timeout: AbortSignal,
  limitMs: number,
): unknown {
  if (callerSignal?.aborted) return err;
  const undiciCode = (err as { code?: unknown })?.code;
  const timedOut =
    undiciCode === 'UND_ERR_HEADERS_TIMEOUT' ||
    undiciCode === 'UND_ERR_BODY_TIMEOUT' ||
    undiciCode === 'UND_ERR_CONNECT_TIMEOUT';
  if (timeout.aborted || timedOut) {
    return new OclcNetworkError(`${url.origin} timed out after ${limitMs} ms`, {
      code: 'OCLC_TIMEOUT',
      cause: err,
    });
  }
  const own = (err as { code?: unknown })?.code;
  const cause = (err as { cause?: { code?: unknown } })?.cause?.code;
  const found = typeof own === 'string' && own.startsWith('E') ? own : cause;
  const code = typeof found === 'string' ? ` (${found})` : '';
  return new OclcNetworkError(`could not reach ${url.origin}${code}`, { code: 'OCLC_NETWORK', cause: err });
}

export async function credentialedFetch(
  input: FetchInput,
  init: FetchInit,
  options: CredentialedFetchOptions,
): Promise<Response> {
  if (typeof input !== 'string' && !(input instanceof URL)) {
    throw new OclcInputError('req.oclc.fetch takes a URL string or URL object', 'url');
  }
  let url = resolve(input, options.baseURL);
  if (!options.isAllowed(url.origin)) {
    throw new OclcInputError(
      `req.oclc.fetch sends OCLC credentials only to allowed origins; ${url.origin} is not one (see allowedOrigins)`,
      'url',
    );
  }
  const firstOrigin = url.origin;
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  const canReplay = replayable(body);
  const redirectMode = init.redirect ?? 'follow';
  const timeout = AbortSignal.timeout(options.totalTimeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal as AbortSignal, timeout]) : timeout;

  const policy = options.retry ?? DEFAULT_API_RETRY;
  const started = Date.now();
  let retriesLeft = policy.retries;
  // A wait fits when it ends inside both the retry budget and the call's own time limit.
  const fits = (delay: number) => {
    const elapsed = Date.now() - started;
    return elapsed + delay <= policy.budgetMs && elapsed + delay < options.totalTimeoutMs;
  };
  const pause = async (delay: number) => {
    try {
      await sleep(delay, undefined, { signal });
    } catch (err) {
      throw fetchFailure(err, url, init.signal as AbortSignal | undefined, timeout, options.totalTimeoutMs);
    }
  };
  // The credential an API refused with 401 (used once, to get a new one), and whether that happened.
  let refused: string | undefined;
  let reauthorized = false;
  for (let hop = 0; ; hop++) {
    // Credentials go to the first origin only: a redirect elsewhere is followed without them.
    const credentialed = url.origin === firstOrigin;
    const headers = new Headers(init.headers);
    headers.delete('authorization');
    if (!headers.has('user-agent')) headers.set('user-agent', options.userAgent);
    let authorization: string | undefined;
    if (credentialed) {
      authorization = await options.authorizer.authorize({ method, url: url.href, refused });
      refused = undefined;
      headers.set('authorization', authorization);
    }
    let res: Response;
    try {
      // undici.request under a standard Response: the same semantics, far less overhead than fetch.
      const requestBody = await toRequestBody(body, headers);
      const raw = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers: Object.fromEntries(headers),
        body: requestBody,
        signal,
        dispatcher: options.dispatcher,
      });
      res = toResponse(url, method, raw);
    } catch (err) {
      const failure = fetchFailure(
        err,
        url,
        init.signal as AbortSignal | undefined,
        timeout,
        options.totalTimeoutMs,
      );
      // A reset or refused connection on an idempotent request: try again, signed afresh.
      if (
        failure instanceof OclcNetworkError &&
        failure.code === 'OCLC_NETWORK' &&
        IDEMPOTENT.has(method) &&
        canReplay &&
        retriesLeft > 0
      ) {
        const delay = backoffDelay(policy.retries - retriesLeft, policy);
        if (fits(delay)) {
          retriesLeft -= 1;
          await pause(delay);
          hop -= 1;
          continue;
        }
      }
      throw failure;
    }

    if (
      IDEMPOTENT.has(method) &&
      canReplay &&
      retriesLeft > 0 &&
      (res.status === 429 || RETRY_STATUS.has(res.status))
    ) {
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      const delay =
        retryAfter !== undefined ? retryAfter * 1000 : backoffDelay(policy.retries - retriesLeft, policy);
      // Past the budget, the caller gets OCLC's answer now rather than a long wait.
      if (fits(delay)) {
        await res.body?.cancel();
        retriesLeft -= 1;
        await pause(delay);
        hop -= 1;
        continue;
      }
    }

    if (res.status === 401 && credentialed && !reauthorized && canReplay) {
      reauthorized = true;
      // One forced re-authorization and one retry; a second 401 is the caller's answer.
      await res.body?.cancel();
      refused = authorization;
      hop -= 1;
      continue;
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location || redirectMode === 'manual') return res;
    if (redirectMode === 'error') {
      await res.body?.cancel();
      throw new TypeError('req.oclc.fetch: redirect refused (redirect: "error")');
    }
    if (hop >= MAX_REDIRECTS) {
      await res.body?.cancel();
      throw new TypeError('req.oclc.fetch: too many redirects');
    }
    await res.body?.cancel();
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
    } else if (!canReplay) {
      throw new TypeError('req.oclc.fetch: cannot follow a redirect with a streamed body');
    }
    url = new URL(location, url);
  }
}

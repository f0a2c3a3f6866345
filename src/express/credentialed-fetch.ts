// fetch() with OCLC credentials (design.md 4–5): standard fetch semantics and a standard Response,
// credentials only for allow-listed origins and never across a redirect to another origin, explicit
// timeouts, and one forced re-authorization + retry when an API answers 401 and the body can be replayed.
import { type Dispatcher, Headers, type RequestInit, type Response, fetch as undiciFetch } from 'undici';
import { OclcInputError, OclcNetworkError } from '../core/errors.js';

export interface Authorizer {
  /**
   * The Authorization header value for one attempt. `refused` is the value an API has just
   * answered 401 to: get a new credential rather than the same one.
   */
  authorize(request: { method: string; url: string; refused?: string }): Promise<string>;
}

export interface CredentialedFetchOptions {
  dispatcher: Dispatcher;
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
  if (timeout.aborted) {
    return new OclcNetworkError(`${url.origin} timed out after ${limitMs} ms`, {
      code: 'OCLC_TIMEOUT',
      cause: err,
    });
  }
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
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

  let refused: string | undefined;
  for (let hop = 0; ; hop++) {
    // Credentials go to the first origin only: a redirect elsewhere is followed without them.
    const credentialed = url.origin === firstOrigin;
    const headers = new Headers(init.headers);
    headers.delete('authorization');
    if (!headers.has('user-agent')) headers.set('user-agent', options.userAgent);
    let authorization: string | undefined;
    if (credentialed) {
      authorization = await options.authorizer.authorize({ method, url: url.href, refused });
      headers.set('authorization', authorization);
    }
    let res: Response;
    try {
      res = await undiciFetch(url, {
        ...init,
        method,
        body,
        headers,
        redirect: 'manual',
        signal,
        dispatcher: options.dispatcher,
      });
    } catch (err) {
      throw fetchFailure(err, url, init.signal as AbortSignal | undefined, timeout, options.totalTimeoutMs);
    }

    if (res.status === 401 && credentialed && refused === undefined && canReplay) {
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
    refused = undefined;
  }
}

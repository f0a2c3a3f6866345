// req.oclc.fetch's transport: credentials only for allowed origins and never across an origin
// change, one re-authorized retry on 401, fetch redirect semantics, explicit timeouts.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Agent } from 'undici';
import { type CredentialedFetchOptions, credentialedFetch } from '../src/express/credentialed-fetch.js';
import { OclcInputError, OclcNetworkError } from '../src/index.js';
import { freePort } from './helpers/redis.js';

interface Hit {
  server: 'a' | 'b';
  method: string;
  url: string;
  authorization?: string;
  type?: string;
  body: string;
}

let hits: Hit[] = [];
let a: Server;
let b: Server;
let aUrl: string;
let bUrl: string;
const agent = new Agent({ headersTimeout: 5000, bodyTimeout: 5000 });

async function listen(
  name: 'a' | 'b',
  handler: (req: IncomingMessage, body: string) => [number, Record<string, string>, string] | null,
): Promise<[Server, string]> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hits.push({
        server: name,
        method: req.method!,
        url: req.url!,
        authorization: req.headers.authorization,
        type: req.headers['content-type'],
        body,
      });
      const answer = handler(req, body);
      if (!answer) return; // hang
      const [status, headers, text] = answer;
      res.writeHead(status, headers).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}

before(async () => {
  [b, bUrl] = await listen('b', () => [200, {}, 'b']);
  [a, aUrl] = await listen('a', (req) => {
    const path = req.url!;
    if (path === '/ok') return [200, {}, 'ok'];
    if (path === '/to-b') return [302, { location: `${bUrl}/landing` }, ''];
    if (path === '/to-self') return [307, { location: '/ok' }, ''];
    if (path === '/see-other') return [303, { location: '/ok' }, ''];
    if (path === '/loop') return [302, { location: '/loop' }, ''];
    if (path === '/401') return [401, {}, '{"message":"Unauthorized"}'];
    if (path === '/401-once')
      return hits.filter((h) => h.url === '/401-once').length === 1 ? [401, {}, ''] : [200, {}, 'second'];
    if (path === '/hang') return null;
    if (path === '/503-twice')
      return hits.filter((h) => h.url === '/503-twice').length <= 2 ? [503, {}, ''] : [200, {}, 'third'];
    return [404, {}, ''];
  });
});
after(async () => {
  a.closeAllConnections();
  b.closeAllConnections();
  a.close();
  b.close();
  await agent.close();
});
beforeEach(() => {
  hits = [];
});

function options(
  extra: Partial<CredentialedFetchOptions> = {},
): CredentialedFetchOptions & { calls: Array<{ url: string; refused?: string }> } {
  const calls: Array<{ url: string; refused?: string }> = [];
  let n = 0;
  return {
    calls,
    dispatcher: agent,
    isAllowed: (origin) => origin === aUrl || origin === bUrl,
    baseURL: `${aUrl}/`,
    totalTimeoutMs: 2000,
    userAgent: 'test',
    authorizer: {
      authorize: async ({ url, refused }) => {
        calls.push({ url, refused });
        n += 1;
        return `Bearer tk_${n}`;
      },
    },
    ...extra,
  };
}

describe('credentialedFetch', () => {
  it('refuses an origin that is not allowed, before any request', async () => {
    await assert.rejects(credentialedFetch('https://evil.example/x', {}, options()), OclcInputError);
    await assert.rejects(
      credentialedFetch(`${aUrl}/ok`, {}, options({ isAllowed: () => false })),
      OclcInputError,
    );
    assert.equal(hits.length, 0);
  });

  it('resolves relative URLs against the API base and sends the credential', async () => {
    const res = await credentialedFetch('ok', {}, options());
    assert.equal(res.url, `${aUrl}/ok`);
    assert.equal(await res.text(), 'ok');
    assert.deepEqual(
      hits.map((h) => [h.url, h.authorization]),
      [['/ok', 'Bearer tk_1']],
    );
  });

  it('drops the credential on a redirect to another origin, even an allowed one', async () => {
    const res = await credentialedFetch(`${aUrl}/to-b`, {}, options());
    assert.equal(await res.text(), 'b');
    assert.deepEqual(
      hits.map((h) => [h.server, h.authorization]),
      [
        ['a', 'Bearer tk_1'],
        ['b', undefined],
      ],
    );
  });

  it('re-authorizes each same-origin hop', async () => {
    const o = options();
    const res = await credentialedFetch(`${aUrl}/to-self`, { method: 'PUT', body: 'x' }, o);
    assert.equal(res.status, 200);
    assert.deepEqual(
      hits.map((h) => [h.method, h.authorization, h.body]),
      [
        ['PUT', 'Bearer tk_1', 'x'],
        ['PUT', 'Bearer tk_2', 'x'],
      ],
    );
  });

  it('serializes fetch body types with their Content-Type', async () => {
    await credentialedFetch(
      `${aUrl}/ok`,
      { method: 'POST', body: new URLSearchParams({ q: 'a b' }) },
      options(),
    );
    await credentialedFetch(`${aUrl}/ok`, { method: 'POST', body: 'text' }, options());
    await credentialedFetch(
      `${aUrl}/ok`,
      { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } },
      options(),
    );
    assert.deepEqual(
      hits.map((h) => [h.type, h.body]),
      [
        ['application/x-www-form-urlencoded;charset=UTF-8', 'q=a+b'],
        ['text/plain;charset=UTF-8', 'text'],
        ['application/json', '{"a":1}'],
      ],
    );
  });

  it('follows 303 with GET and no body', async () => {
    await credentialedFetch(`${aUrl}/see-other`, { method: 'POST', body: 'data' }, options());
    assert.deepEqual(
      hits.map((h) => [h.method, h.body]),
      [
        ['POST', 'data'],
        ['GET', ''],
      ],
    );
  });

  it('returns the redirect itself with redirect: manual, and refuses with redirect: error', async () => {
    const res = await credentialedFetch(`${aUrl}/to-b`, { redirect: 'manual' }, options());
    assert.equal(res.status, 302);
    await assert.rejects(credentialedFetch(`${aUrl}/to-b`, { redirect: 'error' }, options()), TypeError);
    await assert.rejects(credentialedFetch(`${aUrl}/loop`, {}, options()), /too many redirects/);
  });

  it('on 401 re-authorizes once (telling which credential was refused) and retries', async () => {
    const o = options();
    const res = await credentialedFetch(`${aUrl}/401-once`, { method: 'POST', body: 'again' }, o);
    assert.equal(await res.text(), 'second');
    assert.deepEqual(
      o.calls.map((c) => c.refused),
      [undefined, 'Bearer tk_1'],
    );
    assert.deepEqual(
      hits.map((h) => h.body),
      ['again', 'again'],
    );
  });

  it('retries an idempotent 5xx with a fresh credential each attempt (a new HMAC nonce, say)', async () => {
    const o = options({ retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5, budgetMs: 1000 } });
    const res = await credentialedFetch(`${aUrl}/503-twice`, {}, o);
    assert.equal(await res.text(), 'third');
    assert.deepEqual(
      hits.map((h) => h.authorization),
      ['Bearer tk_1', 'Bearer tk_2', 'Bearer tk_3'],
    );
  });

  it('a second 401 is returned, not retried again', async () => {
    const res = await credentialedFetch(`${aUrl}/401`, {}, options());
    assert.equal(res.status, 401);
    assert.equal(hits.length, 2);
  });

  it('a streamed body is not replayed after a 401', async () => {
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('once'));
        c.close();
      },
    });
    const res = await credentialedFetch(
      `${aUrl}/401`,
      { method: 'POST', body: stream, duplex: 'half' } as never,
      options(),
    );
    assert.equal(res.status, 401);
    assert.equal(hits.length, 1);
  });

  it('aborts at the total timeout', async () => {
    await assert.rejects(
      credentialedFetch(`${aUrl}/hang`, {}, options({ totalTimeoutMs: 200 })),
      (err: unknown) => err instanceof OclcNetworkError && err.code === 'OCLC_TIMEOUT',
    );
  });

  it('a refused connection is a typed network error', async () => {
    await assert.rejects(
      credentialedFetch(`http://127.0.0.1:${await freePort()}/x`, {}, options({ isAllowed: () => true })),
      (err: unknown) =>
        err instanceof OclcNetworkError && err.code === 'OCLC_NETWORK' && /ECONNREFUSED/.test(err.message),
    );
  });

  it('honours the caller signal', async () => {
    const controller = new AbortController();
    const pending = credentialedFetch(`${aUrl}/hang`, { signal: controller.signal }, options());
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
  });
});

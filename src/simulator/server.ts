// startSimulator(): a local OCLC — both authorization servers and the Metadata API subset — on
// node:http, verifying credentials with the same core code the library signs with.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleAdmin } from './admin.js';
import { oclcError, type SimContext } from './context.js';
import { Faults, type FaultTarget } from './faults.js';
import { sendHtml, sendJson } from './http-util.js';
import { handleLogin, handlePicker } from './login.js';
import { handleBriefBib, handleLegacyBib, handleManageBib } from './metadata.js';
import { resolveSimulatorOptions, type SimulatorOptions } from './options.js';
import { errorPage } from './pages.js';
import { loadRecords } from './records.js';
import { SimulatorState, type SimulatorStats } from './state.js';
import { handleLegacyToken, handleToken } from './token.js';

export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` — the current server. */
  url: string;
  /** The legacy authorization server's base URL (`<url>/oauth2`). */
  legacyUrl: string;
  /** WorldCat Metadata API 2.0 base URL (`<url>/worldcat`). */
  metadataUrl: string;
  port: number;
  close(): Promise<void>;
  stats(): SimulatorStats;
  reset(): void;
  faults: Faults;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function targetOf(path: string): FaultTarget | null {
  if (path === '/token' || path === '/oauth2/accessToken') return 'token';
  if (path === '/auth' || path.startsWith('/auth/') || path === '/oauth2/authorizeCode') return 'login';
  if (path.startsWith('/worldcat/') || path.startsWith('/bib/data/')) return 'api';
  return null;
}

export async function startSimulator(input: SimulatorOptions = {}): Promise<Simulator> {
  const options = resolveSimulatorOptions(input);
  const defaults = {
    accessTokenSeconds: options.accessTokenSeconds,
    refreshTokenSeconds: options.refreshTokenSeconds,
    codeSeconds: options.codeSeconds,
  };
  const state = new SimulatorState(
    options.clock,
    { ...defaults },
    {
      lockoutFailures: options.lockoutFailures,
      lockoutWindowMs: options.lockoutWindowSeconds * 1000,
      requestCap: options.dailyRequestCap,
      requestCapWindowMs: options.requestCapWindowSeconds * 1000,
      nonceWindowMs: options.hmacWindowSeconds * 1000,
    },
  );
  const hung = new Set<ServerResponse>();
  const releaseHung = () => {
    for (const res of hung) res.socket?.destroy();
    hung.clear();
  };
  const faults = new Faults(state, defaults, releaseHung);
  const ctx: SimContext = {
    options,
    state,
    faults,
    records: loadRecords(options.records),
    clients: new Map(options.clients.map((c) => [c.key, c])),
    institutions: new Map(options.institutions.map((i) => [i.registryId, i])),
    users: options.users,
  };
  const reset = () => {
    faults.clear();
    state.reset();
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path.startsWith('/__sim/')) {
      if (!options.admin) return sendJson(res, 404, { message: 'Not Found' });
      return handleAdmin(ctx, req, res, path, reset);
    }

    const target = targetOf(path);
    if (target) {
      const delay = faults.latencyFor(target);
      if (delay > 0) await sleep(delay);
      const fault = faults.take(target);
      if (fault?.type === 'hang') {
        hung.add(res);
        res.on('close', () => hung.delete(res));
        return;
      }
      if (fault?.type === 'rate-limit') {
        if (target === 'api') state.countApi(429);
        return sendJson(res, 429, oclcError(429, 'Too Many Requests'), {
          'retry-after': fault.retryAfterSeconds,
        });
      }
      if (fault?.type === 'status') {
        if (target === 'api') state.countApi(fault.status);
        if (target === 'token') state.countToken('fault', 'failed');
        return sendJson(
          res,
          fault.status,
          oclcError(fault.status, fault.status >= 500 ? 'Internal Server Error' : 'Request failed'),
        );
      }
    }

    if (path === '/token') {
      if (method !== 'POST')
        return sendJson(res, 405, oclcError(405, 'Method Not Allowed'), { allow: 'POST' });
      return handleToken(ctx, req, res, url);
    }
    if (path === '/oauth2/accessToken') {
      if (method !== 'POST')
        return sendJson(res, 405, oclcError(405, 'Method Not Allowed'), { allow: 'POST' });
      return handleLegacyToken(ctx, req, res, url);
    }
    if (path === '/auth' && method === 'GET') return handlePicker(ctx, res, url);
    const authPath = /^\/auth\/([^/]+)$/.exec(path);
    if (authPath && (method === 'GET' || method === 'POST')) {
      return handleLogin(ctx, req, res, url, 'current', safeDecode(authPath[1]!));
    }
    if (path === '/oauth2/authorizeCode' && (method === 'GET' || method === 'POST')) {
      return handleLogin(ctx, req, res, url, 'legacy');
    }
    const manage = /^\/worldcat\/manage\/bibs\/([^/]+)$/.exec(path);
    if (manage && method === 'GET') return handleManageBib(ctx, req, res, safeDecode(manage[1]!));
    const brief = /^\/worldcat\/search\/brief-bibs\/([^/]+)$/.exec(path);
    if (brief && method === 'GET') return handleBriefBib(ctx, req, res, safeDecode(brief[1]!));
    const legacyBib = /^\/bib\/data\/([^/]+)$/.exec(path);
    if (legacyBib && method === 'GET') return handleLegacyBib(ctx, req, res, url, safeDecode(legacyBib[1]!));
    if (path === '/' && method === 'GET') {
      return sendHtml(
        res,
        200,
        errorPage('OCLC simulator', 'Authorization servers at /auth and /oauth2, Metadata API at /worldcat.'),
      );
    }
    return sendJson(res, 404, oclcError(404, 'Not Found'));
  }

  const sockets = new Set<Socket>();
  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    route(req, res).catch(() => {
      // Never crash, never show a stack: answer in OCLC's shape.
      if (!res.headersSent) sendJson(res, 500, oclcError(500, 'Internal Server Error'));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;

  return {
    url,
    legacyUrl: `${url}/oauth2`,
    metadataUrl: `${url}/worldcat`,
    port,
    faults,
    stats: () => state.stats(),
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        releaseHung();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

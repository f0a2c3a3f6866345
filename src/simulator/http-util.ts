// Small HTTP helpers for the simulator's node:http server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml } from '../core/text.js';

export { escapeHtml };

export class BodyTooLargeError extends Error {}

/** Reads a request body up to `limit` bytes; more is a BodyTooLargeError. */
export function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError(`body over ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function escapeXml(value: unknown): string {
  return escapeHtml(value).replace(/&#39;/g, '&apos;');
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string | number> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  send(res, status, 'application/json;charset=UTF-8', JSON.stringify(body), headers);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string | number> = {},
): void {
  send(res, status, 'text/html;charset=UTF-8', html, {
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    ...headers,
  });
}

export function sendXml(
  res: ServerResponse,
  status: number,
  type: string,
  xml: string,
  headers: Record<string, string | number> = {},
): void {
  send(res, status, type, xml, headers);
}

export function redirect(res: ServerResponse, location: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(302, {
    location,
    'cache-control': 'no-store',
    'content-length': 0,
    'referrer-policy': 'no-referrer',
  });
  res.end();
}

/** One value per name, or an error naming the parameter that is repeated. */
export function singleParams(
  ...sources: URLSearchParams[]
): { ok: true; params: Map<string, string> } | { ok: false; repeated: string } {
  const params = new Map<string, string>();
  for (const source of sources) {
    for (const [name, value] of source) {
      if (params.has(name)) return { ok: false, repeated: name };
      params.set(name, value);
    }
  }
  return { ok: true, params };
}

// WSKey v2 HMAC request signatures (design.md 3.1): the one normalizer, used by the signer and by
// the verifier the simulator runs.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { type Clock, type RandomBytes, systemClock } from './clock.js';
import { OclcInputError } from './errors.js';

export const HMAC_SCHEME = 'http://www.worldcat.org/wskey/v2/hmac/v1';
// Always these three lines, whatever the request's real host, port and path.
const SIGNED_HOST = 'www.oclc.org';
const SIGNED_PORT = '443';
const SIGNED_PATH = '/wskey';

export interface Principal {
  principalId: string;
  principalIdns: string;
}

export interface NormalizeInput {
  key: string;
  timestamp: string | number;
  nonce: string;
  method: string;
  url: string;
  bodyHash?: string;
}

export interface SignInput {
  key: string;
  secret: string;
  method: string;
  url: string;
  timestamp?: string | number;
  nonce?: string;
  bodyHash?: string;
  user?: Principal;
  clock?: Clock;
  randomBytes?: RandomBytes;
}

export interface SignedRequest {
  /** The whole `Authorization` header value. Treat it like a password. */
  authorization: string;
  signature: string;
  timestamp: string;
  nonce: string;
}

const HEX = '0123456789ABCDEF';

// RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~), as a lookup table for the ASCII range.
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) UNRESERVED[c] = 1;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

function pct(byte: number): string {
  return `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
}

/**
 * Form-decodes one query component and re-encodes it with RFC 3986 unreserved characters only.
 * Byte by byte, so a stray `%` or invalid UTF-8 still gives one stable answer instead of throwing.
 * Most components need no change: those return at once.
 */
function recode(component: string): string {
  let i = 0;
  for (; i < component.length; i++) {
    const code = component.charCodeAt(i);
    if (code >= 128 || UNRESERVED[code] !== 1) break;
  }
  if (i === component.length) return component;
  let out = component.slice(0, i);
  while (i < component.length) {
    const code = component.charCodeAt(i);
    if (code < 128 && UNRESERVED[code] === 1) {
      out += component[i];
      i += 1;
    } else if (code === 0x2b) {
      out += '%20'; // '+' is a space in form encoding
      i += 1;
    } else if (code === 0x25) {
      const hi = hexValue(component.charCodeAt(i + 1));
      const lo = hi === -1 ? -1 : hexValue(component.charCodeAt(i + 2));
      if (lo === -1) {
        out += '%25'; // a '%' that starts no escape is a literal percent sign
        i += 1;
      } else {
        const byte = hi * 16 + lo;
        out += byte < 128 && UNRESERVED[byte] === 1 ? String.fromCharCode(byte) : pct(byte);
        i += 3;
      }
    } else if (code < 128) {
      out += pct(code);
      i += 1;
    } else {
      // Non-ASCII: the UTF-8 bytes of this character (a lone surrogate becomes U+FFFD).
      const next = component.charCodeAt(i + 1);
      const wide = code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
      for (const byte of Buffer.from(component.slice(i, i + wide), 'utf8')) out += pct(byte);
      i += wide;
    }
  }
  return out;
}

/** The query lines of the string to sign, already sorted: `name=value` each. */
export function normalizeQuery(url: string): string[] {
  const hash = url.indexOf('#');
  const end = hash === -1 ? url.length : hash;
  const question = url.indexOf('?');
  if (question === -1 || question > end) return [];
  // Sorted as "name\0value": NUL sorts below every character an encoded name can hold, so this
  // orders by name, then value — without a comparator.
  const keys: string[] = [];
  let start = question + 1;
  while (start <= end) {
    let stop = url.indexOf('&', start);
    if (stop === -1 || stop > end) stop = end;
    if (stop > start) {
      const eq = url.indexOf('=', start);
      keys.push(
        eq === -1 || eq >= stop
          ? `${recode(url.slice(start, stop))}\u0000`
          : `${recode(url.slice(start, eq))}\u0000${recode(url.slice(eq + 1, stop))}`,
      );
    }
    start = stop + 1;
  }
  keys.sort();
  for (let i = 0; i < keys.length; i++) keys[i] = keys[i]!.replace('\u0000', '=');
  return keys;
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new OclcInputError(`${field} is required and must be a non-empty string`, field);
  }
  return value;
}

// Values that go between quotes in the header must not be able to break out of them.
function requireHeaderSafe(value: string, field: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x7f) {
      throw new OclcInputError(`${field} must not contain quotes, backslashes or control characters`, field);
    }
  }
  return value;
}

/**
 * True for the common `http(s)://host[:port]…` shape, which the URL parser always accepts (what
 * follows the authority can hold anything). A cheap check before the full parser.
 */
function plainHttpUrl(text: string): boolean {
  let i: number;
  if (text.startsWith('https://')) i = 8;
  else if (text.startsWith('http://')) i = 7;
  else return false;
  const hostStart = i;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const hostChar =
      (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46;
    if (!hostChar) break;
  }
  if (i === hostStart || text.charCodeAt(hostStart) === 46 || text.charCodeAt(i - 1) === 46) return false;
  if (text.charCodeAt(i) === 58) {
    const portStart = ++i;
    while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    if (i === portStart || i - portStart > 5 || Number(text.slice(portStart, i)) > 65535) return false;
  }
  if (i === text.length) return true;
  const next = text.charCodeAt(i);
  return next === 47 || next === 63 || next === 35; // '/', '?', '#'
}

function requireUrl(url: unknown): string {
  const text = requireText(url, 'url');
  if (!plainHttpUrl(text) && !URL.canParse(text))
    throw new OclcInputError('url is not an absolute URL that parses', 'url');
  return text;
}

function requireMethod(method: unknown): string {
  const text = requireText(method, 'method');
  if (!/^[A-Za-z]+$/.test(text))
    throw new OclcInputError('method must be an HTTP method such as GET', 'method');
  return text.toUpperCase();
}

function requireTimestamp(timestamp: unknown): string {
  const text = typeof timestamp === 'number' ? String(timestamp) : timestamp;
  if (typeof text !== 'string' || !/^\d{1,15}$/.test(text)) {
    throw new OclcInputError('timestamp must be Unix seconds (digits only)', 'timestamp');
  }
  return text;
}

/** Exactly the string that is signed (eight fixed lines, then one line per query parameter). */
export function normalizeRequest(input: NormalizeInput): string {
  const key = requireHeaderSafe(requireText(input.key, 'key'), 'key');
  const timestamp = requireTimestamp(input.timestamp);
  const nonce = requireHeaderSafe(requireText(input.nonce, 'nonce'), 'nonce');
  const method = requireMethod(input.method);
  const url = requireUrl(input.url);
  let out = `${key}\n${timestamp}\n${nonce}\n${input.bodyHash ?? ''}\n${method}\n${SIGNED_HOST}\n${SIGNED_PORT}\n${SIGNED_PATH}\n`;
  for (const line of normalizeQuery(url)) out += `${line}\n`;
  return out;
}

function computeSignature(secret: string, normalized: string): string {
  return createHmac('sha256', secret).update(normalized, 'utf8').digest('base64');
}

/** Signs one request. Sign every attempt afresh: a header is replayable while its timestamp is fresh. */
export function signRequest(input: SignInput): SignedRequest {
  const secret = requireText(input.secret, 'secret');
  const timestamp =
    input.timestamp === undefined
      ? String(Math.floor((input.clock ?? systemClock)() / 1000))
      : requireTimestamp(input.timestamp);
  const nonce =
    input.nonce !== undefined
      ? requireText(input.nonce, 'nonce')
      : input.randomBytes
        ? Buffer.from(input.randomBytes(16)).toString('hex')
        : // randomUUID draws from an entropy cache: far cheaper per call than randomBytes(16).
          randomUUID().replaceAll('-', '');
  const normalized = normalizeRequest({
    key: input.key,
    timestamp,
    nonce,
    method: input.method,
    url: input.url,
    bodyHash: input.bodyHash,
  });
  const signature = computeSignature(secret, normalized);
  let authorization = `${HMAC_SCHEME} clientId="${input.key}", timestamp="${timestamp}", nonce="${nonce}", signature="${signature}"`;
  if (input.user) {
    const id = requireHeaderSafe(requireText(input.user.principalId, 'user.principalId'), 'user.principalId');
    const idns = requireHeaderSafe(
      requireText(input.user.principalIdns, 'user.principalIdns'),
      'user.principalIdns',
    );
    authorization += `, principalID="${id}", principalIDNS="${idns}"`;
  }
  return { authorization, signature, timestamp, nonce };
}

export interface ParsedHmacHeader {
  clientId: string;
  timestamp: string;
  nonce: string;
  signature: string;
  principal?: Principal;
}

export type HmacRefusal =
  | 'missing_header'
  | 'wrong_scheme'
  | 'malformed_header'
  | 'missing_parameter'
  | 'unknown_client'
  | 'stale_timestamp'
  | 'bad_signature';

export type ParseHeaderResult =
  | { ok: true; header: ParsedHmacHeader }
  | { ok: false; reason: HmacRefusal; message: string };

const PARAM = /^\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*$/;

/** Parses an HMAC `Authorization` header, accepting `clientId` or `clientID` and any comma spacing. */
export function parseHmacHeader(value: string | undefined | null): ParseHeaderResult {
  if (!value) return { ok: false, reason: 'missing_header', message: 'No Authorization header' };
  const text = value.trim();
  if (!text.startsWith(`${HMAC_SCHEME} `)) {
    return { ok: false, reason: 'wrong_scheme', message: `Authorization scheme is not ${HMAC_SCHEME}` };
  }
  const params = new Map<string, string>();
  for (const part of text.slice(HMAC_SCHEME.length + 1).split(',')) {
    if (!part.trim()) continue;
    const match = PARAM.exec(part);
    if (!match)
      return { ok: false, reason: 'malformed_header', message: 'Authorization parameter is malformed' };
    const name = match[1]!.toLowerCase();
    if (params.has(name)) {
      return {
        ok: false,
        reason: 'malformed_header',
        message: `Authorization parameter ${match[1]} is repeated`,
      };
    }
    params.set(name, match[2]!);
  }
  const clientId = params.get('clientid');
  const timestamp = params.get('timestamp');
  const nonce = params.get('nonce');
  const signature = params.get('signature');
  for (const [name, got] of [
    ['clientId', clientId],
    ['timestamp', timestamp],
    ['nonce', nonce],
    ['signature', signature],
  ] as const) {
    if (!got) return { ok: false, reason: 'missing_parameter', message: `Authorization lacks ${name}` };
  }
  if (!/^\d{1,15}$/.test(timestamp!)) {
    return { ok: false, reason: 'malformed_header', message: 'Authorization timestamp is not Unix seconds' };
  }
  const header: ParsedHmacHeader = {
    clientId: clientId!,
    timestamp: timestamp!,
    nonce: nonce!,
    signature: signature!,
  };
  const principalId = params.get('principalid');
  const principalIdns = params.get('principalidns');
  if (principalId && principalIdns) header.principal = { principalId, principalIdns };
  return { ok: true, header };
}

export interface VerifyInput {
  authorization: string | undefined | null;
  method: string;
  url: string;
  /** The secret for a key, or undefined when the key is unknown. */
  getSecret: (clientId: string) => string | undefined;
  clock?: Clock;
  /** How far the timestamp may be from now, either way. Default 300 s. */
  maxSkewSeconds?: number;
}

export type VerifyResult =
  | { ok: true; clientId: string; timestamp: number; nonce: string; principal?: Principal }
  | { ok: false; reason: HmacRefusal; message: string; clientId?: string };

/** Checks an HMAC-signed request, in constant time for the signature, and says why it was refused. */
export function verifySignature(input: VerifyInput): VerifyResult {
  const parsed = parseHmacHeader(input.authorization);
  if (!parsed.ok) return parsed;
  const { clientId, timestamp, nonce, signature, principal } = parsed.header;
  const secret = input.getSecret(clientId);
  if (secret === undefined)
    return { ok: false, reason: 'unknown_client', message: 'WSKey is invalid', clientId };
  const now = Math.floor((input.clock ?? systemClock)() / 1000);
  const skew = input.maxSkewSeconds ?? 300;
  if (Math.abs(now - Number(timestamp)) > skew) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      message: 'Timestamp is outside the allowed window',
      clientId,
    };
  }
  let normalized: string;
  try {
    normalized = normalizeRequest({ key: clientId, timestamp, nonce, method: input.method, url: input.url });
  } catch {
    return { ok: false, reason: 'malformed_header', message: 'Authorization cannot be normalized', clientId };
  }
  // Compare the base64 text itself: decoding first would accept variant spellings of one value.
  const expected = Buffer.from(computeSignature(secret, normalized), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature', message: 'Signature does not match', clientId };
  }
  const result: VerifyResult = { ok: true, clientId, timestamp: Number(timestamp), nonce };
  if (principal) result.principal = principal;
  return result;
}

// WSKey v2 HMAC request signatures (design.md 3.1): the one normalizer, used by the signer and by
// the verifier the simulator runs.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Clock, type RandomBytes, systemClock, systemRandom } from './clock.js';
import { OclcInputError } from './errors.js';
import { hasControlCharacters } from './text.js';

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

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

function isUnreserved(byte: number): boolean {
  return (
    (byte >= 0x41 && byte <= 0x5a) || // A-Z
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x2d || // -
    byte === 0x2e || // .
    byte === 0x5f || // _
    byte === 0x7e // ~
  );
}

// Form-decodes to bytes and re-encodes with RFC 3986 unreserved characters only. Working on bytes
// means a stray `%` or invalid UTF-8 still gives one stable answer instead of throwing.
function recode(component: string): string {
  const raw = Buffer.from(component, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x2b) {
      bytes.push(0x20); // '+' is a space in form encoding
    } else if (byte === 0x25 && i + 2 < raw.length && isHex(raw[i + 1]!) && isHex(raw[i + 2]!)) {
      bytes.push(Number.parseInt(String.fromCharCode(raw[i + 1]!, raw[i + 2]!), 16));
      i += 2;
    } else {
      bytes.push(byte);
    }
  }
  let out = '';
  for (const byte of bytes) {
    out += isUnreserved(byte) ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** The query lines of the string to sign, already sorted: `name=value` each. */
export function normalizeQuery(url: string): string[] {
  const hash = url.indexOf('#');
  const beforeHash = hash === -1 ? url : url.slice(0, hash);
  const question = beforeHash.indexOf('?');
  if (question === -1) return [];
  const pairs: Array<[string, string]> = [];
  for (const piece of beforeHash.slice(question + 1).split('&')) {
    if (!piece) continue;
    const eq = piece.indexOf('=');
    const name = eq === -1 ? piece : piece.slice(0, eq);
    const value = eq === -1 ? '' : piece.slice(eq + 1);
    pairs.push([recode(name), recode(value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`);
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new OclcInputError(`${field} is required and must be a non-empty string`, field);
  }
  return value;
}

// Values that go between quotes in the header must not be able to break out of them.
function requireHeaderSafe(value: string, field: string): string {
  if (/["\\]/.test(value) || hasControlCharacters(value)) {
    throw new OclcInputError(`${field} must not contain quotes, backslashes or control characters`, field);
  }
  return value;
}

function requireUrl(url: unknown): string {
  const text = requireText(url, 'url');
  if (!URL.canParse(text)) throw new OclcInputError('url is not an absolute URL that parses', 'url');
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
  const lines = [key, timestamp, nonce, input.bodyHash ?? '', method, SIGNED_HOST, SIGNED_PORT, SIGNED_PATH];
  return `${lines.join('\n')}\n${normalizeQuery(url)
    .map((line) => `${line}\n`)
    .join('')}`;
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
    input.nonce === undefined
      ? Buffer.from((input.randomBytes ?? systemRandom)(16)).toString('hex')
      : requireText(input.nonce, 'nonce');
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

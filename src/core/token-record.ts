// The one token-record parser (design.md 3.3). Records are plain JSON with epoch milliseconds so
// they survive any store; expiry comes from the local clock at receipt, never from OCLC's text.
import { OclcResponseError } from './errors.js';
import { fingerprint } from './redact.js';

export interface TokenRecord {
  accessToken: string;
  /** Lower-cased (`bearer`). */
  tokenType: string;
  /** Epoch ms: receivedAt + expires_in. */
  expiresAt: number;
  receivedAt: number;
  /** OCLC's `expires_at` text, for display only. */
  expiresAtText: string | null;
  scopes: string[];
  authenticatingInstitutionId: string | null;
  contextInstitutionId: string | null;
  principalId: string | null;
  principalIdns: string | null;
  refreshToken: string | null;
  refreshTokenExpiresAt: number | null;
  refreshTokenExpiresAtText: string | null;
}

export interface ParseTokenOptions {
  /** When the response arrived (epoch ms). */
  receivedAt: number;
  /** Scopes that were asked for; used when the response names none. */
  requestedScopes?: readonly string[];
  /** The record being refreshed: a response without a refresh token keeps this one's. */
  previous?: TokenRecord | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/** A lifetime in seconds, given as a number or a numeric string. */
function seconds(value: unknown, field: string): number | null {
  if (value === undefined || value === null || value === '') return null;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(n) || n < 0) {
    throw new OclcResponseError(`Token response has an invalid ${field}`, {
      code: 'OCLC_RESPONSE_INVALID',
      field,
    });
  }
  return Math.floor(n);
}

/** OCLC's `"YYYY-MM-DD HH:MM:SSZ"` (or ISO 8601) to epoch ms, or null. */
export function parseOclcTime(value: string | null): number | null {
  if (!value) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$/.exec(value.trim());
  if (!m) return null;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isFinite(ms) ? ms : null;
}

export function splitScopes(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string' && s.length > 0);
  if (typeof value !== 'string') return [];
  return value.split(/\s+/).filter(Boolean);
}

/** Parses a token response body (already JSON-decoded) into a TokenRecord, strictly. */
export function parseTokenResponse(body: unknown, options: ParseTokenOptions): TokenRecord {
  if (!isRecord(body)) {
    throw new OclcResponseError('Token response is not a JSON object', { code: 'OCLC_RESPONSE_INVALID' });
  }
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw new OclcResponseError('Token response has no access_token', {
      code: 'OCLC_RESPONSE_INVALID',
      field: 'access_token',
    });
  }
  const tokenType =
    typeof body.token_type === 'string' && body.token_type ? body.token_type.toLowerCase() : 'bearer';
  const expiresAtText = text(body.expires_at);
  const expiresIn = seconds(body.expires_in, 'expires_in');
  let expiresAt: number;
  if (expiresIn !== null) {
    expiresAt = options.receivedAt + expiresIn * 1000;
  } else {
    const fromText = parseOclcTime(expiresAtText);
    if (fromText === null) {
      throw new OclcResponseError('Token response has neither expires_in nor a readable expires_at', {
        code: 'OCLC_RESPONSE_INVALID',
        field: 'expires_in',
      });
    }
    expiresAt = fromText;
  }

  const returnedScopes = splitScopes(body.scope ?? body.scopes);
  const scopes = returnedScopes.length > 0 ? returnedScopes : [...(options.requestedScopes ?? [])];

  let refreshToken = text(body.refresh_token);
  let refreshTokenExpiresAtText = text(body.refresh_token_expires_at);
  let refreshTokenExpiresAt: number | null = null;
  if (refreshToken) {
    const rtIn = seconds(body.refresh_token_expires_in, 'refresh_token_expires_in');
    refreshTokenExpiresAt =
      rtIn !== null ? options.receivedAt + rtIn * 1000 : parseOclcTime(refreshTokenExpiresAtText);
  } else if (options.previous?.refreshToken) {
    // A refresh answer without a refresh token: the old one stays valid.
    refreshToken = options.previous.refreshToken;
    refreshTokenExpiresAt = options.previous.refreshTokenExpiresAt;
    refreshTokenExpiresAtText = options.previous.refreshTokenExpiresAtText;
  } else {
    refreshTokenExpiresAtText = null;
  }

  const previous = options.previous;
  return {
    accessToken,
    tokenType,
    expiresAt,
    receivedAt: options.receivedAt,
    expiresAtText,
    scopes,
    authenticatingInstitutionId:
      text(body.authenticating_institution_id) ?? previous?.authenticatingInstitutionId ?? null,
    contextInstitutionId:
      text(body.context_institution_id) ??
      text(body.contextInstitutionId) ??
      previous?.contextInstitutionId ??
      null,
    principalId: text(body.principalID) ?? previous?.principalId ?? null,
    principalIdns: text(body.principalIDNS) ?? previous?.principalIdns ?? null,
    refreshToken,
    refreshTokenExpiresAt,
    refreshTokenExpiresAtText,
  };
}

export interface ExpiryOptions {
  leewaySeconds?: number;
  now?: number;
}

/** True when the access token is expired or will be within the leeway. */
export function isExpired(record: Pick<TokenRecord, 'expiresAt'>, options: ExpiryOptions = {}): boolean {
  const now = options.now ?? Date.now();
  return now >= record.expiresAt - (options.leewaySeconds ?? 0) * 1000;
}

/** True when the record carries a refresh token that has not run out. */
export function canRefresh(record: TokenRecord, now: number = Date.now()): boolean {
  if (!record.refreshToken) return false;
  return record.refreshTokenExpiresAt === null || now < record.refreshTokenExpiresAt;
}

/** What may be shown or logged about a record: everything but the token strings. */
export interface TokenSummary {
  tokenType: string;
  accessTokenFingerprint: string;
  expiresAt: number;
  expiresInSeconds: number;
  expiresAtText: string | null;
  scopes: string[];
  authenticatingInstitutionId: string | null;
  contextInstitutionId: string | null;
  principalId: string | null;
  principalIdns: string | null;
  hasRefreshToken: boolean;
  refreshTokenExpiresAt: number | null;
  refreshTokenExpiresAtText: string | null;
}

export function summarizeToken(record: TokenRecord, now: number = Date.now()): TokenSummary {
  return {
    tokenType: record.tokenType,
    accessTokenFingerprint: fingerprint(record.accessToken),
    expiresAt: record.expiresAt,
    expiresInSeconds: Math.max(0, Math.floor((record.expiresAt - now) / 1000)),
    expiresAtText: record.expiresAtText,
    scopes: [...record.scopes],
    authenticatingInstitutionId: record.authenticatingInstitutionId,
    contextInstitutionId: record.contextInstitutionId,
    principalId: record.principalId,
    principalIdns: record.principalIdns,
    hasRefreshToken: Boolean(record.refreshToken),
    refreshTokenExpiresAt: record.refreshTokenExpiresAt,
    refreshTokenExpiresAtText: record.refreshTokenExpiresAtText,
  };
}

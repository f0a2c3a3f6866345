// The one parser for the error bodies OCLC sends (design.md 3.4): JSON in four shapes, problem
// details, XML and servlet HTML pages. Used by the client and checked against the simulator's output.

export interface ParsedErrorBody {
  /** OCLC's own code: `"401"`, `"WS-404"`, a problem type such as `"NOT_FOUND"`. */
  oclcCode?: string;
  /** OCLC's message, as close to its own words as the body allows. */
  message?: string;
  /** Further detail OCLC gave (`details`, `<detail>`, a problem `title`). */
  detail?: string;
  /** An OAuth 2 error code (`invalid_grant`, `unauthorized_client`) when the body names one. */
  oauthError?: string;
}

const OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'invalid_token',
  'insufficient_scope',
  'server_error',
  'temporarily_unavailable',
]);

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function oauthErrorIn(...candidates: (string | undefined)[]): string | undefined {
  for (const candidate of candidates) {
    if (candidate && OAUTH_ERRORS.has(candidate)) return candidate;
  }
  return undefined;
}

function fromJson(body: Record<string, unknown>): ParsedErrorBody {
  const out: ParsedErrorBody = {};
  // RFC 6749 shape.
  if (typeof body.error === 'string') {
    out.oauthError = body.error;
    out.oclcCode = body.error;
    out.message = str(body.error_description) ?? body.error;
    return out;
  }
  // {"error":{"errorMessage":"…","errorCode":403}}
  if (isRecord(body.error)) {
    out.oclcCode = str(body.error.errorCode) ?? str(body.error.code);
    out.message = str(body.error.errorMessage) ?? str(body.error.message);
    out.oauthError = oauthErrorIn(out.message);
    return out;
  }
  // Problem details: {type,title,detail} where detail is a string or {summary, description}.
  if ('title' in body || ('type' in body && 'detail' in body)) {
    out.oclcCode = str(body.type);
    const detail = body.detail;
    if (isRecord(detail)) {
      out.message = str(detail.description) ?? str(detail.summary) ?? str(body.title);
      out.detail = str(body.title);
      if (!out.oclcCode) out.oclcCode = str(detail.summary);
    } else {
      out.message = str(detail) ?? str(body.title);
      if (str(detail)) out.detail = str(body.title);
    }
    return out;
  }
  // {"code":{"type":"http","value":"401"},"message":"…","details":"…"} and {"code":403,"message":"…"}
  out.oclcCode = isRecord(body.code) ? str(body.code.value) : str(body.code);
  out.message = str(body.message) ?? str(body.error_description);
  out.detail = str(body.details) ?? str(body.detail);
  out.oauthError = oauthErrorIn(out.message);
  return out;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(text: string): string {
  return text
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? '')
    .replace(/&#(\d{1,7});/g, (_, n: string) => safeCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, n: string) => safeCodePoint(Number.parseInt(n, 16)))
    .trim();
}

function safeCodePoint(n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

function xmlElement(body: string, name: string): string | undefined {
  const match = new RegExp(
    `<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${name}>`,
    'i',
  ).exec(body);
  const text = match?.[1] === undefined ? undefined : decodeXml(match[1].replace(/<[^>]*>/g, ''));
  return text || undefined;
}

function fromXml(body: string): ParsedErrorBody {
  const out: ParsedErrorBody = {
    oclcCode: xmlElement(body, 'code'),
    message: xmlElement(body, 'message'),
    detail: xmlElement(body, 'detail') ?? xmlElement(body, 'details'),
  };
  out.oauthError = oauthErrorIn(out.message);
  return out;
}

function fromHtml(body: string): ParsedErrorBody {
  const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(body)?.[1];
  const error = attr('error');
  const description = attr('error_description');
  if (error || description) {
    return {
      oclcCode: error,
      oauthError: oauthErrorIn(error),
      message: description ? decodeXml(description) : error,
    };
  }
  const heading = xmlElement(body, 'h1') ?? xmlElement(body, 'title');
  return heading ? { message: heading } : {};
}

/** Reads whatever OCLC put in an error body. Never throws; unknown bodies give `{}`. */
export function parseErrorBody(body: string, contentType?: string | null): ParsedErrorBody {
  const text = body.trim();
  if (!text) return {};
  const type = (contentType ?? '').toLowerCase();
  if (text.startsWith('{') || type.includes('json')) {
    try {
      const json: unknown = JSON.parse(text);
      if (isRecord(json)) return fromJson(json);
    } catch {
      // Not JSON after all: fall through to the other readers.
    }
  }
  if (/^<!doctype html|<html[\s>]/i.test(text) || type.includes('html')) return fromHtml(text);
  if (text.startsWith('<')) return fromXml(text);
  // Plain text: short enough to be a message, or nothing useful.
  const out: ParsedErrorBody = {};
  if (text.length <= 200) out.message = text;
  const oauthError = oauthErrorIn(text);
  if (oauthError) out.oauthError = oauthError;
  return out;
}

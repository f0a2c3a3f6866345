// The typed error family. Every field that came from outside passes through redact() on the way in,
// so no message, toJSON() or inspect() of an error can carry a token, code or secret.
import { inspect } from 'node:util';
import { type ParsedErrorBody, parseErrorBody } from './error-body.js';
import { excerpt, redact } from './redact.js';

export type OclcErrorCode =
  | 'OCLC_CONFIG_INVALID'
  | 'OCLC_INPUT_INVALID'
  | 'OCLC_AUTH_REJECTED'
  | 'OCLC_AUTH_UNAVAILABLE'
  | 'OCLC_RATE_LIMITED'
  | 'OCLC_RESPONSE_INVALID'
  | 'OCLC_API_ERROR'
  | 'OCLC_NETWORK'
  | 'OCLC_TIMEOUT'
  | 'OCLC_STORE_UNAVAILABLE'
  | 'OCLC_LOGIN_REQUIRED'
  | 'OCLC_CALLBACK_INVALID';

export interface OclcErrorOptions {
  code: OclcErrorCode;
  status?: number;
  /** OCLC's own code (`"401"`, `"WS-404"`, `"NOT_FOUND"`). */
  oclcCode?: string;
  /** OCLC's own message. */
  oclcMessage?: string;
  detail?: string;
  /** OAuth 2 error code when the server named one (`invalid_grant`). */
  oauthError?: string;
  /** The response body, shortened and redacted. */
  body?: string;
  retryAfterSeconds?: number;
  /** The input field a config or input error is about. */
  field?: string;
  cause?: unknown;
  /** Literal values to strip from every text field (the WSKey secret, say). */
  secrets?: readonly (string | undefined | null)[];
}

interface SafeCause {
  name: string;
  code?: string;
  message: string;
}

function safeCause(cause: unknown, secrets: OclcErrorOptions['secrets']): SafeCause | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return {
      name: cause.name,
      code: typeof code === 'string' ? code : undefined,
      message: redact(cause.message, secrets),
    };
  }
  return { name: typeof cause, message: redact(String(cause), secrets) };
}

export class OclcError extends Error {
  readonly code: OclcErrorCode;
  readonly status?: number;
  readonly oclcCode?: string;
  readonly oclcMessage?: string;
  readonly detail?: string;
  readonly oauthError?: string;
  readonly body?: string;
  readonly retryAfterSeconds?: number;
  readonly field?: string;
  // A redacted summary of the underlying error; the raw one may carry request data.
  override readonly cause?: SafeCause;

  constructor(message: string, options: OclcErrorOptions) {
    const secrets = options.secrets ?? [];
    super(redact(message, secrets));
    this.name = new.target.name;
    this.code = options.code;
    if (options.status !== undefined) this.status = options.status;
    if (options.oclcCode !== undefined) this.oclcCode = redact(options.oclcCode, secrets);
    if (options.oclcMessage !== undefined) this.oclcMessage = redact(options.oclcMessage, secrets);
    if (options.detail !== undefined) this.detail = redact(options.detail, secrets);
    if (options.oauthError !== undefined) this.oauthError = options.oauthError;
    if (options.body !== undefined) this.body = excerpt(options.body, 500, secrets);
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.field !== undefined) this.field = options.field;
    const cause = safeCause(options.cause, secrets);
    if (cause) this.cause = cause;
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const key of ['status', 'oclcCode', 'oclcMessage', 'detail', 'oauthError', 'field'] as const) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    if (this.retryAfterSeconds !== undefined) out.retryAfterSeconds = this.retryAfterSeconds;
    if (this.body !== undefined) out.body = this.body;
    return out;
  }

  [inspect.custom](_depth: number, options: { stylize?: unknown }): string {
    const fields = this.toJSON();
    delete fields.name;
    delete fields.message;
    const stack = (this.stack ?? '').split('\n').slice(1).join('\n');
    return `${this.name} [${this.code}]: ${this.message} ${inspect(fields, { ...options, depth: 2 })}${stack ? `\n${stack}` : ''}`;
  }
}

/** The configuration given to a factory is wrong; `field` names the setting. */
export class OclcConfigError extends OclcError {
  constructor(message: string, field?: string) {
    super(message, { code: 'OCLC_CONFIG_INVALID', field });
  }
}

/** A caller passed a value that cannot be used (a URL that does not parse, a missing method). */
export class OclcInputError extends OclcError {
  constructor(message: string, field?: string) {
    super(message, { code: 'OCLC_INPUT_INVALID', field });
  }
}

/** The authorization server refused or failed a token request. */
export class OclcAuthError extends OclcError {}

/** An OCLC API answered with an error status. */
export class OclcApiError extends OclcError {}

/** OCLC could not be reached, or did not answer in time. */
export class OclcNetworkError extends OclcError {}

/** A response arrived but does not say what it must (a token response without a token). */
export class OclcResponseError extends OclcError {}

export interface HttpErrorInput {
  status: number;
  body: string;
  contentType?: string | null;
  retryAfterSeconds?: number;
  secrets?: readonly (string | undefined | null)[];
}

function describe(what: string, status: number, parsed: ParsedErrorBody): string {
  const said = parsed.message ?? parsed.oauthError ?? parsed.oclcCode;
  return said ? `${what} failed: ${status} ${said}` : `${what} failed with HTTP ${status}`;
}

/** Builds the error for a failed token request from OCLC's response. */
export function authErrorFromResponse(what: string, input: HttpErrorInput): OclcAuthError {
  const parsed = parseErrorBody(input.body, input.contentType);
  const code: OclcErrorCode =
    input.status === 429
      ? 'OCLC_RATE_LIMITED'
      : input.status >= 500
        ? 'OCLC_AUTH_UNAVAILABLE'
        : 'OCLC_AUTH_REJECTED';
  return new OclcAuthError(describe(what, input.status, parsed), {
    code,
    status: input.status,
    oclcCode: parsed.oclcCode,
    oclcMessage: parsed.message,
    detail: parsed.detail,
    oauthError: parsed.oauthError,
    body: input.body,
    retryAfterSeconds: input.retryAfterSeconds,
    secrets: input.secrets,
  });
}

/** Builds the error for a failed API call from OCLC's response. */
export function apiErrorFromResponse(what: string, input: HttpErrorInput): OclcApiError {
  const parsed = parseErrorBody(input.body, input.contentType);
  return new OclcApiError(describe(what, input.status, parsed), {
    code: input.status === 429 ? 'OCLC_RATE_LIMITED' : 'OCLC_API_ERROR',
    status: input.status,
    oclcCode: parsed.oclcCode,
    oclcMessage: parsed.message,
    detail: parsed.detail,
    oauthError: parsed.oauthError,
    body: input.body,
    retryAfterSeconds: input.retryAfterSeconds,
    secrets: input.secrets,
  });
}

export function isOclcError(value: unknown): value is OclcError {
  return value instanceof OclcError;
}

// One place that knows what a secret looks like in text. Every error message, error body, log line
// and inspect() output goes through redact() before it can leave the library.

const REDACTED = '[redacted]';

const PATTERNS: Array<[RegExp, string]> = [
  // A whole WSKey HMAC header: replayable against any OCLC host while fresh, so never shown.
  [/https?:\/\/www\.worldcat\.org\/wskey\/v2\/hmac\/v1[^\r\n]*/gi, `[redacted WSKey HMAC header]`],
  [/\b(Bearer|Basic)\s+[^\s"'<>,;]+/gi, `$1 ${REDACTED}`],
  // OCLC token and code ids.
  [/\b(tk|rt|auth)_[A-Za-z0-9._~+/=-]+/g, `$1_${REDACTED}`],
  // name=value pairs (query strings, form bodies, cookies).
  [
    /\b(access_token|refresh_token|code|code_verifier|client_secret|secret|password|state|signature|nonce|connect\.sid|oclc\.sid)=("[^"]*"|[^&\s"';,<>]+)/gi,
    `$1=${REDACTED}`,
  ],
  // JSON members.
  [
    /"(access_token|refresh_token|accessToken|refreshToken|code|code_verifier|codeVerifier|client_secret|secret|password|state|authorization|cookie)"\s*:\s*"(?:[^"\\]|\\.)*"/gi,
    `"$1":"${REDACTED}"`,
  ],
  // Header lines.
  [/\b(authorization|cookie|set-cookie)\s*:\s*[^\r\n]*/gi, `$1: ${REDACTED}`],
];

/**
 * Removes tokens, codes, verifiers, secrets, Authorization values and cookies from text.
 * `secrets` are literal values (a WSKey secret, say) that are removed wherever they appear.
 */
export function redact(text: string, secrets: readonly (string | undefined | null)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would shred ordinary text; they are not secrets worth the name anyway.
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Shortens text for inclusion in an error, after redacting it. */
export function excerpt(
  text: string,
  max = 500,
  secrets: readonly (string | undefined | null)[] = [],
): string {
  const clean = redact(text, secrets);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * A short, non-secret way to tell tokens apart on screen: `tk_…9f3a`.
 * The id prefix and the last four characters; nothing in between.
 */
export function fingerprint(token: string | null | undefined): string {
  if (!token) return '';
  const underscore = token.indexOf('_');
  const prefix = underscore > 0 && underscore <= 8 ? token.slice(0, underscore + 1) : '';
  if (token.length - prefix.length < 12) return `${prefix}…`;
  return `${prefix}…${token.slice(-4)}`;
}

// `returnTo` values are attacker-controlled: only paths on our own origin survive (design.md 4).
import { hasControlCharacters } from '../core/text.js';

const MAX_LENGTH = 2048;

/** The same-origin path to return to, or `fallback`. */
export function safeReturnTo(value: unknown, baseURL: string, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LENGTH) return fallback;
  // Backslashes and control characters are read differently by browsers and URL parsers.
  if (value.includes('\\') || hasControlCharacters(value)) return fallback;
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return fallback;
  }
  if (decoded.includes('\\') || hasControlCharacters(decoded)) return fallback;
  const base = new URL(baseURL);
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base.origin) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

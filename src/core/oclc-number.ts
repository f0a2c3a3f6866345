// OCLC numbers arrive as `ocm…`, `ocn…`, `on…`, `(OCoLC)…` or bare digits; everything compares them
// in one canonical form: the digits without leading zeros.
import { OclcInputError } from './errors.js';

const OCLC_NUMBER = /^\s*(?:\(OCoLC\)\s*)?(?:ocm|ocn|on)?\s*0*(\d{1,15})\s*$/i;

/** `"(OCoLC)ocm00823520553"` → `"823520553"`; null when it is not an OCLC number. */
export function parseOclcNumber(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const match = OCLC_NUMBER.exec(String(value));
  if (!match) return null;
  const digits = match[1]!.replace(/^0+/, '');
  return digits === '' ? null : digits;
}

/** Like parseOclcNumber, but a value that is not an OCLC number is an OclcInputError. */
export function normalizeOclcNumber(value: unknown): string {
  const parsed = parseOclcNumber(value);
  if (parsed === null) {
    throw new OclcInputError(
      'not an OCLC number (digits, optionally with ocm, ocn, on or (OCoLC))',
      'oclcNumber',
    );
  }
  return parsed;
}

// Debug logging (`DEBUG=oclc-auth-express:*`) where every line is redacted before it is written.
import createDebug from 'debug';
import { redact } from './redact.js';

export type Logger = (message: string, ...args: unknown[]) => void;

function describe(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return `${value.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${value.message}`;
  }
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** A namespaced logger whose output never carries a token, code, secret or Authorization value. */
export function createLogger(area: string, secrets: readonly (string | undefined)[] = []): Logger {
  const log = createDebug(`oclc-auth-express:${area}`);
  return (message, ...args) => {
    if (!log.enabled) return;
    const text = [message, ...args.map(describe)].join(' ');
    log('%s', redact(text, secrets));
  };
}

// Redis trouble becomes one typed error that fails closed (503 + Retry-After). ioredis errors carry
// command arguments, so only the error's kind is kept, never its text.
import { OclcError } from '../core/errors.js';

export const STORE_RETRY_AFTER_SECONDS = 2;

export function storeUnavailable(err: unknown): OclcError {
  if (err instanceof OclcError && err.code === 'OCLC_STORE_UNAVAILABLE') return err;
  const name = err instanceof Error ? err.name : 'Error';
  const code = (err as { code?: unknown })?.code;
  const kind = typeof code === 'string' ? code : name;
  return new OclcError(`Session store unavailable (${kind})`, {
    code: 'OCLC_STORE_UNAVAILABLE',
    status: 503,
    retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
  });
}

/** Runs a store operation; any failure becomes OCLC_STORE_UNAVAILABLE. */
export async function guardStore<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    throw storeUnavailable(err);
  }
}

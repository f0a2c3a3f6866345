// Validating a whole configuration once, with one error that names the bad setting.
import type { Dispatcher } from 'undici';
import { type z, z as zod } from 'zod';
import { OclcConfigError } from './errors.js';

export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || undefined;
  // zod's message never includes the offending value, so a secret given in the wrong place stays out.
  throw new OclcConfigError(`${what}: ${field ? `${field}: ` : ''}${issue.message}`, field);
}

// Pieces shared by every configuration schema (client, oclcAuth, simulator).

export const registryIdSchema = zod.string().regex(/^\d{1,10}$/, 'must be an OCLC registry id (digits)');

const positiveMs = zod.number().int().positive().max(600_000);

/** connect / headers / body / total, in ms; any may be left out. */
export const timeoutsSchema = zod
  .object({ connect: positiveMs, headers: positiveMs, body: positiveMs, total: positiveMs })
  .partial()
  .default({});

/** Consecutive token-endpoint failures (network, 5xx) before calls stop for a cool-down. */
export const breakerSchema = zod
  .object({
    failures: zod.number().int().min(1).max(100),
    cooldownMs: zod.number().int().min(0).max(600_000),
  })
  .partial()
  .default({});

export const dispatcherSchema = zod.custom<Dispatcher>(
  (v) => typeof v === 'object' && v !== null && 'dispatch' in v,
  'must be an undici Dispatcher',
);

export function functionSchema<T>(name: string) {
  return zod.custom<T>((v) => typeof v === 'function', `${name} must be a function`);
}

// Validating a whole configuration once, with one error that names the bad setting.
import type { z } from 'zod';
import { OclcConfigError } from './errors.js';

export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || undefined;
  // zod's message never includes the offending value, so a secret given in the wrong place stays out.
  throw new OclcConfigError(`${what}: ${field ? `${field}: ` : ''}${issue.message}`, field);
}

// The admin API under /__sim/ (off unless `admin: true`): faults, reset and counters over HTTP, for
// tests and benchmarks that drive the simulator from another process.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { SimContext } from './context.js';
import { readBody, sendJson } from './http-util.js';

const target = z.enum(['token', 'login', 'api', 'all']).optional();
const count = z.number().int().min(1).max(1_000_000).optional();
const lifetime = z
  .number()
  .int()
  .min(1)
  .max(30 * 24 * 3600)
  .optional();

const faultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('latency'), ms: z.number().int().min(0).max(600_000), target }),
  z.object({ type: z.literal('fail'), count, status: z.number().int().min(400).max(599).optional(), target }),
  z.object({
    type: z.literal('rate-limit'),
    count,
    retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
    target,
  }),
  z.object({ type: z.literal('hang'), count, target }),
  z.object({ type: z.literal('drop-after-rotate'), count }),
  z.object({ type: z.literal('revoke'), token: z.string().min(1) }),
  z.object({ type: z.literal('revoke-all') }),
  z.object({ type: z.literal('revoke-access-tokens') }),
  z.object({
    type: z.literal('lifetimes'),
    accessTokenSeconds: lifetime,
    refreshTokenSeconds: lifetime,
    codeSeconds: lifetime,
  }),
  z.object({ type: z.literal('clear') }),
]);

export type FaultRequest = z.infer<typeof faultSchema>;

/** Applies one fault request; also used by the CLI. */
export function applyFault(ctx: SimContext, fault: FaultRequest): Record<string, unknown> {
  const f = ctx.faults;
  switch (fault.type) {
    case 'latency':
      f.latency(fault.ms, fault.target);
      break;
    case 'fail':
      f.failNext(fault.count, { status: fault.status, target: fault.target });
      break;
    case 'rate-limit':
      f.rateLimitNext(fault.count, { retryAfterSeconds: fault.retryAfterSeconds, target: fault.target });
      break;
    case 'hang':
      f.hang({ count: fault.count, target: fault.target });
      break;
    case 'drop-after-rotate':
      f.dropAfterRotate(fault.count);
      break;
    case 'revoke':
      return { revoked: f.revoke(fault.token) };
    case 'revoke-all':
      f.revokeAll();
      break;
    case 'revoke-access-tokens':
      f.revokeAccessTokens();
      break;
    case 'lifetimes': {
      const { type: _type, ...lifetimes } = fault;
      f.setLifetimes(JSON.parse(JSON.stringify(lifetimes)));
      break;
    }
    case 'clear':
      f.clear();
      break;
  }
  return { ok: true };
}

export async function handleAdmin(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  reset: () => void,
): Promise<void> {
  if (req.method === 'GET' && path === '/__sim/stats') return sendJson(res, 200, ctx.state.stats());
  if (req.method === 'POST' && path === '/__sim/reset') {
    req.resume();
    reset();
    return sendJson(res, 200, { ok: true });
  }
  if (req.method === 'POST' && path === '/__sim/faults') {
    let json: unknown;
    try {
      json = JSON.parse(await readBody(req, 16 * 1024));
    } catch {
      return sendJson(res, 400, { message: 'Body must be JSON' });
    }
    const parsed = faultSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return sendJson(res, 400, {
        message: `Invalid fault: ${issue.path.join('.') || 'type'}: ${issue.message}`,
      });
    }
    return sendJson(res, 200, applyFault(ctx, parsed.data));
  }
  return sendJson(res, 404, { message: 'Not Found' });
}

// What every simulator handler needs, built once per simulator.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type HmacRefusal, type Principal, verifySignature } from '../core/hmac.js';
import type { Faults } from './faults.js';
import type {
  ResolvedSimulatorOptions,
  SimulatorClient,
  SimulatorInstitution,
  SimulatorUser,
} from './options.js';
import type { SimRecord } from './records.js';
import type { SimulatorState } from './state.js';

export interface SimContext {
  options: ResolvedSimulatorOptions;
  state: SimulatorState;
  faults: Faults;
  records: Map<string, SimRecord>;
  clients: Map<string, SimulatorClient>;
  institutions: Map<string, SimulatorInstitution>;
  users: SimulatorUser[];
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** OCLC's JSON error shape for token endpoints: `{"code":{"type":"http","value":"401"},"message":…}`. */
export function oclcError(status: number, message: string, details?: string): Record<string, unknown> {
  const body: Record<string, unknown> = { code: { type: 'http', value: String(status) }, message };
  if (details) body.details = details;
  return body;
}

/** Client ids echoed in messages are cut short: they come from the request. */
export function shortId(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}

/** Which of `requested` a client may have: its services (and their `:sub` scopes) and known contexts. */
export function scopeAllowed(ctx: SimContext, client: SimulatorClient, scope: string): boolean {
  if (scope.startsWith('context:')) return ctx.institutions.has(scope.slice('context:'.length));
  const service = scope.split(':')[0]!;
  return client.scopes.includes(scope) || client.scopes.includes(service);
}

export type SimHmacResult =
  | { ok: true; clientId: string; nonce: string; principal?: Principal }
  | { ok: false; reason: HmacRefusal | 'replayed_nonce'; message: string; clientId?: string };

/**
 * Checks an HMAC-signed request with the library's own verifier (a locked key reads as unknown),
 * then spends its nonce. Every refusal is counted.
 */
export function verifyHmacRequest(
  ctx: SimContext,
  req: IncomingMessage,
  method: string,
  url: URL,
): SimHmacResult {
  let result: SimHmacResult = verifySignature({
    authorization: req.headers.authorization,
    method,
    url: url.href,
    getSecret: (id) => (ctx.state.isLocked(id) ? undefined : ctx.clients.get(id)?.secret),
    clock: ctx.state.clock,
    maxSkewSeconds: ctx.options.hmacWindowSeconds,
  });
  if (result.ok && !ctx.state.useNonce(result.clientId, result.nonce)) {
    result = {
      ok: false,
      reason: 'replayed_nonce',
      message: 'Nonce was already used',
      clientId: result.clientId,
    };
  }
  if (!result.ok) ctx.state.countHmacRefusal();
  return result;
}

// The simulator's configuration, validated once, with defaults that work with no options at all.
import { z } from 'zod';
import { functionSchema, parseConfig, registryIdSchema } from '../core/config.js';
import { OclcConfigError } from '../core/errors.js';

const registryId = registryIdSchema;
const seconds = z
  .number()
  .int()
  .min(1)
  .max(60 * 60 * 24 * 30);

const clientSchema = z.object({
  key: z.string().min(1),
  secret: z.string().min(1),
  redirectUris: z.array(z.url()).default([]),
  scopes: z.array(z.string().min(1)).default(['WorldCatMetadataAPI', 'wcapi', 'refresh_token']),
  /** Default institution for client-credentials tokens without a context scope. */
  institution: registryId.optional(),
});

const institutionSchema = z.object({ registryId, name: z.string().min(1) });

const userSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
  principalId: z.string().min(1),
  principalIdns: z.string().min(1),
  institution: registryId,
});

export const simulatorOptionsSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    /** 0 picks a free port. */
    port: z.number().int().min(0).max(65535).default(0),
    /** Redirect URIs for the default client (ignored when `clients` is given). */
    redirectUris: z.array(z.url()).default(['http://localhost:3000/auth/callback']),
    clients: z.array(clientSchema).optional(),
    institutions: z.array(institutionSchema).default([
      { registryId: '128807', name: 'OCLC WorldShare Sandbox Library' },
      { registryId: '91475', name: 'Example University Library' },
    ]),
    users: z.array(userSchema).optional(),
    /** Extra MARCXML records, by OCLC number; the shipped ones are always there. */
    records: z.record(z.string(), z.string()).default({}),
    accessTokenSeconds: seconds.default(1199),
    refreshTokenSeconds: seconds.default(7 * 24 * 3600),
    codeSeconds: seconds.default(600),
    /** Issue a new refresh token on every refresh; reuse of an old one revokes the whole family. */
    rotateRefreshTokens: z.boolean().default(true),
    /** With rotation: reuse of a spent refresh token revokes its whole family (else it is only refused). */
    reuseDetection: z.boolean().default(true),
    /** `expires_in` as a JSON number (current server) or a string (as some OCLC answers have it). */
    expiresInAs: z.enum(['number', 'string']).default('number'),
    /** Requests a WSKey may make in the rolling window before 429. */
    dailyRequestCap: z.number().int().min(1).default(50_000),
    requestCapWindowSeconds: seconds.default(24 * 3600),
    /** Failed client authentications that lock a WSKey, and the window they count in. */
    lockoutFailures: z.number().int().min(1).default(5),
    lockoutWindowSeconds: seconds.default(300),
    /** HMAC timestamps may be this far from now; nonces are remembered this long. */
    hmacWindowSeconds: seconds.default(300),
    /** Serve the admin API under /__sim/ (faults, reset, stats). Off by default. */
    admin: z.boolean().default(false),
    /** Milliseconds since the epoch; injectable for tests. */
    clock: functionSchema<() => number>('clock').optional(),
  })
  .strict();

export type SimulatorOptions = z.input<typeof simulatorOptionsSchema>;
export type SimulatorClient = z.output<typeof clientSchema>;
export type SimulatorUser = z.output<typeof userSchema>;
export type SimulatorInstitution = z.output<typeof institutionSchema>;

export interface ResolvedSimulatorOptions
  extends Omit<z.output<typeof simulatorOptionsSchema>, 'clients' | 'users'> {
  clients: SimulatorClient[];
  users: SimulatorUser[];
  clock: () => number;
}

export const DEFAULT_CLIENT_KEY = 'simulator-key';
export const DEFAULT_CLIENT_SECRET = 'simulator-secret';
export const DEFAULT_USER = {
  username: 'librarian',
  password: 'oclc-sandbox',
  principalId: '8eaa9f92-3951-431c-975a-e5b4b7b5e3a0',
  principalIdns: 'urn:oclc:platform:128807',
  institution: '128807',
} as const;

export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const o = parseConfig(simulatorOptionsSchema, options, 'Simulator options');
  const clients = o.clients ?? [
    {
      key: DEFAULT_CLIENT_KEY,
      secret: DEFAULT_CLIENT_SECRET,
      redirectUris: o.redirectUris,
      scopes: ['WorldCatMetadataAPI', 'wcapi', 'refresh_token'],
      institution: '128807',
    },
  ];
  const users = o.users ?? [{ ...DEFAULT_USER }];
  const known = new Set(o.institutions.map((i) => i.registryId));
  for (const user of users) {
    if (!known.has(user.institution)) {
      throw new OclcConfigError(
        `Simulator options: user ${user.username} belongs to an unknown institution`,
        'users',
      );
    }
  }
  if (new Set(clients.map((c) => c.key)).size !== clients.length) {
    throw new OclcConfigError('Simulator options: client keys must be unique', 'clients');
  }
  return { ...o, clients, users, clock: o.clock ?? Date.now };
}

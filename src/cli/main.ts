// `oclc-auth`: sign a request, get a client-credentials token, run the simulator.
// After the command-line examples of OCLC's Python library (authliboclc).
import { parseArgs } from 'node:util';
import { createOclcClient } from '../core/client.js';
import { OclcError } from '../core/errors.js';
import { signRequest } from '../core/hmac.js';
import { fingerprint } from '../core/redact.js';
import type { ServerProtocol } from '../core/servers.js';
import { DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET, DEFAULT_USER } from '../simulator/options.js';
import { startSimulator } from '../simulator/server.js';
import { VERSION } from '../version.js';

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  env: Record<string, string | undefined>;
  /** Resolves when the process is asked to stop (the simulator command waits on it). */
  untilStopped?: () => Promise<void>;
}

class UsageError extends Error {}

const MAIN_HELP = `oclc-auth ${VERSION} — OCLC WSKey tools

Usage:
  oclc-auth sign <METHOD> <URL> [options]   print a WSKey HMAC Authorization header
  oclc-auth token [options]                 get a client-credentials access token
  oclc-auth simulator [options]             run the local OCLC simulator

Key and secret come from OCLC_KEY and OCLC_SECRET (or --key/--secret; flags show in ps).
Run "oclc-auth <command> --help" for a command's options.`;

const SIGN_HELP = `Usage: oclc-auth sign <METHOD> <URL> [options]

Prints the Authorization header for one request. It is replayable against any OCLC host while
its timestamp is fresh: treat it like a password.

Options:
  --principal-id ID       the user's principalID (appended, not signed)
  --principal-idns NS     the user's principalIDNS
  --key KEY, --secret S   instead of OCLC_KEY / OCLC_SECRET
  --timestamp SECONDS     fixed timestamp (default: now)
  --nonce VALUE           fixed nonce (default: random)
  -h, --help`;

const TOKEN_HELP = `Usage: oclc-auth token [options]

Gets a client-credentials token and prints it (as a fingerprint unless --show-token).

Options:
  --scope SCOPES          space-separated scopes (default: WorldCatMetadataAPI)
  --server S              current (default), legacy, or a base URL such as the simulator's
  --legacy                the server URL speaks the legacy protocol
  --institution ID        registry id (context:<id>; legacy institution ids)
  --principal-id ID       legacy server: the user the token acts for
  --principal-idns NS
  --key KEY, --secret S   instead of OCLC_KEY / OCLC_SECRET
  --show-token            print the whole access token
  --json                  print the token summary as JSON
  -h, --help`;

const SIMULATOR_HELP = `Usage: oclc-auth simulator [options]

Runs a local OCLC: authorization servers (/auth, /token, /oauth2/…) and Metadata API 2.0
(/worldcat/…). Client ${DEFAULT_CLIENT_KEY} / ${DEFAULT_CLIENT_SECRET}, institution 128807,
user ${DEFAULT_USER.username} / ${DEFAULT_USER.password}.

Options:
  --port N                 port (default 8089; 0 picks a free one)
  --host H                 address to bind (default 127.0.0.1)
  --redirect-uri URI       a redirect URI for the default client (repeatable)
  --access-token-seconds N access-token lifetime (default 1199)
  --no-rotate              do not rotate refresh tokens
  --request-cap N          requests a WSKey may make per rolling day (default 50000)
  --admin                  serve the fault/reset/stats API under /__sim/
  -h, --help`;

type Values = Record<string, string | boolean | string[] | undefined>;
type Options = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

function parse(args: string[], options: Options, positionals = 0): { values: Values; positionals: string[] } {
  try {
    const result = parseArgs({
      args,
      options: { help: { type: 'boolean', short: 'h' }, ...options },
      allowPositionals: positionals > 0,
      strict: true,
    });
    if (result.positionals.length > positionals)
      throw new UsageError(`unexpected argument: ${result.positionals[positionals]}`);
    return { values: result.values as Values, positionals: result.positionals };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // node's messages name the flag; keep the first line only.
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
}

function credentials(values: Values, env: CliIo['env']): { key: string; secret: string } {
  const key = (values.key as string | undefined) ?? env.OCLC_KEY;
  const secret = (values.secret as string | undefined) ?? env.OCLC_SECRET;
  if (!key || !secret)
    throw new UsageError('a WSKey is needed: set OCLC_KEY and OCLC_SECRET (or --key and --secret)');
  return { key, secret };
}

function principal(values: Values) {
  const principalId = values['principal-id'] as string | undefined;
  const principalIdns = values['principal-idns'] as string | undefined;
  if (!principalId && !principalIdns) return undefined;
  if (!principalId || !principalIdns) throw new UsageError('--principal-id and --principal-idns go together');
  return { principalId, principalIdns };
}

function sign(args: string[], io: CliIo): number {
  const { values, positionals } = parse(
    args,
    {
      'principal-id': { type: 'string' },
      'principal-idns': { type: 'string' },
      key: { type: 'string' },
      secret: { type: 'string' },
      timestamp: { type: 'string' },
      nonce: { type: 'string' },
    },
    2,
  );
  if (values.help) {
    io.stdout(SIGN_HELP);
    return 0;
  }
  const [method, url] = positionals;
  if (!method || !url) throw new UsageError('sign needs a METHOD and a URL');
  const signed = signRequest({
    ...credentials(values, io.env),
    method,
    url,
    user: principal(values),
    timestamp: values.timestamp as string | undefined,
    nonce: values.nonce as string | undefined,
  });
  io.stdout(signed.authorization);
  return 0;
}

async function token(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    scope: { type: 'string' },
    server: { type: 'string' },
    legacy: { type: 'boolean' },
    institution: { type: 'string' },
    'principal-id': { type: 'string' },
    'principal-idns': { type: 'string' },
    key: { type: 'string' },
    secret: { type: 'string' },
    'show-token': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(TOKEN_HELP);
    return 0;
  }
  const protocol: ServerProtocol | undefined = values.legacy ? 'legacy' : undefined;
  const client = createOclcClient({
    ...credentials(values, io.env),
    scopes: (values.scope as string | undefined) ?? 'WorldCatMetadataAPI',
    server: (values.server as string | undefined) ?? io.env.OCLC_SERVER ?? 'current',
    serverProtocol: protocol,
    institution: (values.institution as string | undefined) ?? io.env.OCLC_INSTITUTION,
  });
  try {
    const record = await client.clientCredentials({ user: principal(values) });
    const shown = values['show-token'] ? record.accessToken : fingerprint(record.accessToken);
    const expiresIn = Math.max(0, Math.round((record.expiresAt - Date.now()) / 1000));
    if (values.json) {
      io.stdout(
        JSON.stringify({
          access_token: shown,
          expires_in: expiresIn,
          expires_at: record.expiresAtText,
          type: record.tokenType,
          scopes: record.scopes,
          context_institution_id: record.contextInstitutionId,
        }),
      );
    } else {
      io.stdout(`access token: ${shown}`);
      io.stdout(`expires_in: ${expiresIn}`);
      io.stdout(`expires_at: ${record.expiresAtText ?? new Date(record.expiresAt).toISOString()}`);
      io.stdout(`type: ${record.tokenType}`);
      if (record.refreshToken)
        io.stdout(`refresh_token expires_at: ${record.refreshTokenExpiresAtText ?? ''}`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof OclcError)) throw err;
    io.stdout(`error_code: ${err.status ?? err.code}`);
    io.stdout(`error_message: ${err.oclcMessage ?? err.message}`);
    return 1;
  } finally {
    await client.close();
  }
}

async function simulator(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'access-token-seconds': { type: 'string' },
    'no-rotate': { type: 'boolean' },
    'request-cap': { type: 'string' },
    admin: { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(SIMULATOR_HELP);
    return 0;
  }
  const number = (flag: string, value: unknown, fallback: number) => {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(String(value))) throw new UsageError(`--${flag} must be a whole number`);
    return Number(value);
  };
  const sim = await startSimulator({
    port: number('port', values.port, 8089),
    host: (values.host as string | undefined) ?? '127.0.0.1',
    redirectUris: (values['redirect-uri'] as string[] | undefined) ?? ['http://localhost:3000/auth/callback'],
    accessTokenSeconds: number('access-token-seconds', values['access-token-seconds'], 1199),
    rotateRefreshTokens: !values['no-rotate'],
    dailyRequestCap: number('request-cap', values['request-cap'], 50_000),
    admin: Boolean(values.admin),
  });
  io.stdout(`OCLC simulator listening on ${sim.url}`);
  io.stdout(
    `  current server: ${sim.url}   legacy server: ${sim.legacyUrl}   Metadata API: ${sim.metadataUrl}`,
  );
  io.stdout(
    `  client ${DEFAULT_CLIENT_KEY} / ${DEFAULT_CLIENT_SECRET}; user ${DEFAULT_USER.username} / ${DEFAULT_USER.password}`,
  );
  await (io.untilStopped?.() ?? new Promise<void>(() => {}));
  await sim.close();
  return 0;
}

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(MAIN_HELP);
        return 0;
      case '--version':
      case '-v':
        io.stdout(VERSION);
        return 0;
      case 'sign':
        return sign(rest, io);
      case 'token':
        return await token(rest, io);
      case 'simulator':
        return await simulator(rest, io);
      default:
        throw new UsageError(`unknown command: ${command} (try oclc-auth --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`oclc-auth: ${err.message}`);
      return 2;
    }
    if (err instanceof OclcError) {
      io.stderr(`oclc-auth: ${err.message}`);
      return err.code === 'OCLC_CONFIG_INVALID' || err.code === 'OCLC_INPUT_INVALID' ? 2 : 1;
    }
    throw err;
  }
}

/** The process entry: wires main() to the real process. */
export function run(): void {
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  main(process.argv.slice(2), {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    untilStopped: () => stopped,
  }).then(
    (code) => {
      process.exitCode = code;
      if (code !== 0 || process.argv[2] !== 'simulator') process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(
        `oclc-auth: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}

// npm start: the demo app and, unless OCLC credentials are set, the built-in OCLC simulator, in one
// process. Environment: PORT, BASE_URL, HOST, HTTPS=1, REDIS_URL, SESSION_SECRET, and for the real
// OCLC: OCLC_KEY, OCLC_SECRET, OCLC_INSTITUTION (optional OCLC_SERVER, OCLC_API_BASE).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { startSimulator } from 'oclc-auth-express';
import { createExampleApp } from './app.js';

const env = process.env;

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(2);
}

const port = env.PORT === undefined ? 3000 : Number(env.PORT);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('PORT must be a port number');
const https = env.HTTPS === '1';
const baseURL = (env.BASE_URL ?? `${https ? 'https' : 'http'}://localhost:${port}`).replace(/\/+$/, '');
const host = env.HOST ?? 'localhost';
const useOclc = Boolean(env.OCLC_KEY || env.OCLC_SECRET);
if (useOclc && !(env.OCLC_KEY && env.OCLC_SECRET))
  fail('set both OCLC_KEY and OCLC_SECRET (or neither, for the simulator)');

let sessionSecret = env.SESSION_SECRET;
if (!sessionSecret) {
  sessionSecret = randomBytes(32).toString('base64url');
  console.warn('demo: no SESSION_SECRET set; using a random one (sessions end when the process does).');
}

let simulator;
let simulatorUrl;
let oclc;
if (useOclc) {
  oclc = {
    key: env.OCLC_KEY,
    secret: env.OCLC_SECRET,
    server: env.OCLC_SERVER ?? 'current',
    institution: env.OCLC_INSTITUTION || undefined,
    apiBaseURL: env.OCLC_API_BASE ?? 'https://metadata.api.oclc.org/worldcat/',
  };
} else {
  simulator = await startSimulator({
    host: env.SIMULATOR_HOST ?? '127.0.0.1',
    port: env.SIMULATOR_PORT ? Number(env.SIMULATOR_PORT) : 0,
    redirectUris: [`${baseURL}/auth/callback`],
  });
  // The browser is sent to this URL to sign in; in a container it is the published address.
  simulatorUrl = (env.SIMULATOR_PUBLIC_URL ?? simulator.url).replace(/\/+$/, '');
  oclc = {
    key: 'simulator-key',
    secret: 'simulator-secret',
    server: simulatorUrl,
    institution: '128807',
    apiBaseURL: `${simulatorUrl}/worldcat/`,
  };
}

const { app, close } = await createExampleApp({
  baseURL,
  oclc,
  sessionSecret,
  redisUrl: env.REDIS_URL || undefined,
  tokenKey: env.TOKEN_ENCRYPTION_KEY
    ? { id: env.TOKEN_ENCRYPTION_KEY_ID ?? 'env', key: env.TOKEN_ENCRYPTION_KEY }
    : undefined,
  mode: useOclc ? 'OCLC' : 'built-in OCLC simulator',
  trustProxy: env.TRUST_PROXY === '1',
});

let server;
if (https) {
  // A self-signed certificate made at start (OCLC's Python examples ran on https://localhost:8000).
  const { default: selfsigned } = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: new URL(baseURL).hostname }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  server = createHttpsServer({ key: pems.private, cert: pems.cert }, app);
} else {
  server = createServer(app);
}

server.on('error', (err) => fail(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`));
server.listen(port, host, () => {
  const actual = server.address().port;
  const url = port === 0 ? baseURL.replace(/:\d+$/, `:${actual}`) : baseURL;
  console.log(`oclc-auth-express demo running at ${url}`);
  if (simulator) {
    console.log(`  OCLC simulator at ${simulatorUrl} — sign in as librarian / oclc-sandbox`);
  } else {
    console.log(
      `  talking to ${oclc.server === 'current' ? 'https://oauth.oclc.org' : oclc.server} with WSKey ${oclc.key.slice(0, 6)}…`,
    );
  }
  if (!env.REDIS_URL) console.log('  sessions in memory (set REDIS_URL to use Redis)');
});

async function shutdown() {
  server.close();
  server.closeAllConnections?.();
  await close();
  await simulator?.close();
  process.exit(0);
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

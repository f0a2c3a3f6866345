// oclcAuth and createSession validate their configuration once, with messages that say what to fix;
// Express 4.21 works as well as Express 5.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
// @ts-expect-error — express4 is Express 4.21 installed under an alias for this smoke test.
import express4 from 'express4';
import {
  createSession,
  MemoryTokenStore,
  type OclcAuthConfig,
  OclcConfigError,
  oclcAuth,
  SESSION_MISSING,
  type Simulator,
  startSimulator,
} from '../src/index.js';
import { startApp } from './helpers/app.js';
import { Browser } from './helpers/browser.js';
import { freePort } from './helpers/redis.js';

const valid: OclcAuthConfig = {
  baseURL: 'https://app.example.edu',
  key: 'k',
  secret: 'super-secret-value',
  tokenStore: new MemoryTokenStore(),
};

describe('oclcAuth configuration', () => {
  const bad: Array<[string, Partial<OclcAuthConfig> | Record<string, unknown>, string]> = [
    ['no baseURL', { baseURL: undefined }, 'baseURL'],
    ['a relative baseURL', { baseURL: '/app' }, 'baseURL'],
    ['a baseURL with a query', { baseURL: 'https://a.b/?x=1' }, 'baseURL'],
    ['no key', { key: '' }, 'key'],
    ['no secret', { secret: undefined }, 'secret'],
    ['a route without a slash', { routes: { login: 'auth' } }, 'routes.login'],
    ['a callback turned off while login is on', { routes: { callback: false } }, 'routes.callback'],
    [
      'an off-site postLogoutRedirect',
      { routes: { postLogoutRedirect: '//evil.example' } },
      'routes.postLogoutRedirect',
    ],
    ['an unknown setting', { cookieSecret: 'x' }, ''],
    ['a bad token store', { tokenStore: {} }, 'tokenStore'],
    ['a bad server', { server: 'nowhere' }, 'server'],
    ['a bad allowed origin', { allowedOrigins: ['not an origin'] }, 'allowedOrigins'],
  ];
  for (const [name, patch, field] of bad) {
    it(`refuses ${name}, naming the setting and not the secret`, () => {
      assert.throws(
        () => oclcAuth({ ...valid, ...patch } as OclcAuthConfig),
        (err: unknown) => {
          assert.ok(err instanceof OclcConfigError, String(err));
          if (field) assert.equal(err.field, field);
          assert.ok(!err.message.includes('super-secret-value'));
          return true;
        },
      );
    });
  }

  it('routes can be renamed, shared (login = callback) or switched off', async () => {
    const port = await freePort();
    const sim = await startSimulator({ redirectUris: [`http://127.0.0.1:${port}/auth/`] });
    const app = await startApp({
      sim,
      port,
      redisUrl: null,
      config: { routes: { login: '/auth/', callback: '/auth/', logout: false } },
    });
    try {
      const b = new Browser({ accept: 'application/json' });
      const end = await b.navigate(`${app.url}/auth/?returnTo=/api/me`);
      assert.equal(end.status, 200, end.body);
      assert.equal(JSON.parse(end.body).user.principalId, '8eaa9f92-3951-431c-975a-e5b4b7b5e3a0');
      assert.equal(
        (await b.request(`${app.url}/auth/logout`, { method: 'POST', headers: { origin: app.url } })).status,
        404,
      );
    } finally {
      await app.close();
      await sim.close();
    }
  });
});

describe('createSession', () => {
  it('needs a long secret', () => {
    assert.throws(
      () => createSession({ secret: 'short' }),
      (e: unknown) => e instanceof OclcConfigError && e.field === 'secret',
    );
  });

  it('refuses the memory store in production', () => {
    const env = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      assert.throws(() => createSession({ secret: 'x'.repeat(40) }), /NODE_ENV=production/);
    } finally {
      process.env.NODE_ENV = env;
    }
  });
});

describe('mounting', () => {
  let server: ReturnType<typeof createServer>;
  let url: string;
  const errors: string[] = [];
  const original = console.error;
  before(async () => {
    console.error = (...args: unknown[]) => void errors.push(args.join(' '));
    const app = express();
    app.use(oclcAuth(valid));
    app.get('/', (_req, res) => void res.send('never'));
    server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    console.error = original;
    server.close();
  });

  it('without session middleware: a clear message saying how to fix it, no stack in the answer', async () => {
    const res = await fetch(`${url}/`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.ok(!body.includes('    at '), body);
    assert.ok(errors.some((e) => e.includes(SESSION_MISSING)));
    assert.match(SESSION_MISSING, /createSession/);
  });
});

describe('Express 4.21', () => {
  let sim: Simulator;
  it('signs in and fetches a record', async () => {
    const port = await freePort();
    sim = await startSimulator({ redirectUris: [`http://127.0.0.1:${port}/auth/callback`] });
    const app = await startApp({ sim, port, redisUrl: null, expressModule: express4 as typeof express });
    try {
      const b = new Browser({ accept: 'application/json' });
      const end = await b.navigate(`${app.url}/auth?returnTo=/api/me`);
      assert.equal(end.status, 200, end.body);
      const rec = await b.request(`${app.url}/api/record/823520553`);
      assert.equal(JSON.parse(rec.body).status, 200);
      const out = await b.request(`${app.url}/auth/logout`, { method: 'POST', headers: { origin: app.url } });
      assert.equal(out.status, 303);
      assert.equal((await b.request(`${app.url}/api/me`)).status, 401);
    } finally {
      await app.close();
      await sim.close();
    }
  });
});

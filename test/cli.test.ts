import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { main } from '../src/cli/main.js';
import { normalizeRequest, verifySignature } from '../src/index.js';
import { useSimulator } from './helpers/simulator.js';

const ctx = useSimulator();
const bin = new URL('../bin/oclc-auth.cjs', import.meta.url).pathname;

async function cli(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const creds = { OCLC_KEY: 'simulator-key', OCLC_SECRET: 'simulator-secret' };

describe('oclc-auth CLI', () => {
  it('prints help for the tool and every command', async () => {
    for (const args of [['--help'], ['sign', '--help'], ['token', '--help'], ['simulator', '--help']]) {
      const r = await cli(args);
      assert.equal(r.code, 0);
      assert.match(r.out, /Usage/);
    }
  });

  it('sign prints a header that verifies', async () => {
    const url = 'https://worldcat.org/bib/data/823520553?classificationScheme=LibraryOfCongress';
    const r = await cli(['sign', 'GET', url, '--principal-id', 'p1', '--principal-idns', 'urn:x'], creds);
    assert.equal(r.code, 0);
    assert.match(
      r.out,
      /^http:\/\/www\.worldcat\.org\/wskey\/v2\/hmac\/v1 clientId="simulator-key", .*principalID="p1", principalIDNS="urn:x"$/,
    );
    const v = verifySignature({
      authorization: r.out,
      method: 'GET',
      url,
      getSecret: () => 'simulator-secret',
    });
    assert.equal(v.ok, true);
  });

  it('sign with a fixed timestamp and nonce is reproducible', async () => {
    const r = await cli(
      ['sign', 'GET', 'https://a.b/?x=1', '--timestamp', '1700000000', '--nonce', 'abc'],
      creds,
    );
    assert.ok(r.out.includes('timestamp="1700000000", nonce="abc"'));
    assert.ok(
      normalizeRequest({
        key: 'simulator-key',
        timestamp: 1700000000,
        nonce: 'abc',
        method: 'GET',
        url: 'https://a.b/?x=1',
      }),
    );
  });

  it('token prints a fingerprint, expiry and type', async () => {
    const r = await cli(['token', '--server', ctx.sim.url, '--institution', '128807'], creds);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^access token: tk_…[A-Za-z0-9_-]{4}$/m);
    assert.match(r.out, /^expires_in: \d+$/m);
    assert.match(r.out, /^expires_at: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/m);
    assert.match(r.out, /^type: bearer$/m);
  });

  it('token --show-token --json prints the whole token', async () => {
    const r = await cli(['token', '--server', ctx.sim.url, '--show-token', '--json'], creds);
    const json = JSON.parse(r.out);
    assert.match(json.access_token, /^tk_[A-Za-z0-9_-]{20,}$/);
    assert.equal(json.type, 'bearer');
  });

  it('token against the legacy server with a principal', async () => {
    const r = await cli(
      [
        'token',
        '--server',
        ctx.sim.legacyUrl,
        '--legacy',
        '--institution',
        '128807',
        '--principal-id',
        'p',
        '--principal-idns',
        'urn:x',
      ],
      creds,
    );
    assert.equal(r.code, 0, r.err);
  });

  it('token failure prints error_code and error_message and exits 1', async () => {
    const r = await cli(['token', '--server', ctx.sim.url], {
      OCLC_KEY: 'simulator-key',
      OCLC_SECRET: 'bad-secret-xyz',
    });
    assert.equal(r.code, 1);
    assert.match(r.out, /^error_code: 401$/m);
    assert.match(r.out, /^error_message: WSKey 'simulator-key' is invalid$/m);
    assert.ok(!r.out.includes('bad-secret-xyz'));
  });

  it('usage problems are one line on stderr and exit 2', async () => {
    for (const [args, env] of [
      [['token', '--bogus'], creds],
      [['frobnicate'], creds],
      [['sign', 'GET'], creds],
      [['sign', 'GET', 'not a url'], creds],
      [['token'], {}],
      [['sign', 'GET', 'https://a.b/', '--principal-id', 'p'], creds],
    ] as const) {
      const r = await cli([...args], { ...env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.err.split('\n').length, 1);
      assert.match(r.err, /^oclc-auth: /);
    }
  });

  it('the installed bin runs, with exit code 2 for a bad flag', () => {
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    const bad = spawnSync(process.execPath, [bin, 'token', '--nope'], {
      encoding: 'utf8',
      env: { ...process.env, ...creds },
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^oclc-auth: Unknown option '--nope'/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });

  it('simulator command serves until SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'simulator', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        text += chunk;
        const m = /listening on (http:\/\/\S+)/.exec(text);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`exited: ${text}`)));
    });
    const res = await fetch(`${url}/worldcat/manage/bibs/823520553`);
    assert.equal(res.status, 401);
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  });
});

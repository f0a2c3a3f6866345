// Every ```js block in the README runs as written (against the built package, by its own name).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { freePort, testRedisUrl } from './helpers/redis.js';

const root = new URL('..', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

let redis: { url: string; stop: () => Promise<void> };
before(async () => {
  redis = await testRedisUrl();
});
after(() => redis.stop());

/** A snippet that serves (app.listen) runs until it says "listening"; then its login route is tried. */
async function runServer(file: string): Promise<void> {
  const port = await freePort();
  const child = spawn(process.execPath, [file], {
    cwd: new URL('..', import.meta.url),
    env: { ...process.env, PORT: String(port), REDIS_URL: redis.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" within 20 s: ${out}`)), 20_000);
      child.stdout.on('data', () => {
        if (out.includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/auth?returnTo=/record/823520553`, {
      redirect: 'manual',
    });
    assert.equal(res.status, 303, out);
    const login = new URL(res.headers.get('location')!);
    assert.equal(login.origin, 'https://oauth.oclc.org');
    assert.equal(login.searchParams.get('redirect_uri'), 'https://app.example.edu/auth/callback');
    const guarded = await fetch(`http://127.0.0.1:${port}/record/823520553`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(guarded.status, 401);
  } finally {
    child.kill();
  }
}

describe('README', () => {
  it('has runnable snippets and names the two commands', () => {
    assert.ok(blocks.length > 0);
    assert.ok(readme.includes('npm test') && readme.includes('npm start'));
  });

  for (const [i, code] of blocks.entries()) {
    it(`snippet ${i + 1} runs`, () => {
      const dir = new URL('test-results/readme/', root);
      mkdirSync(dir, { recursive: true });
      const file = new URL(`snippet-${i + 1}.mjs`, dir);
      writeFileSync(file, code);
      if (code.includes('.listen(')) return runServer(file.pathname);
      const out = execFileSync(process.execPath, [file.pathname], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.ok(out.length > 0, 'prints something');
    });
  }
});

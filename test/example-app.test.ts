// The demo app as a user sees it: sign in, token details, record 823520553 as a MARC table with the
// raw MARCXML, another lookup, refresh, errors as clear pages, sign out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Simulator } from '../src/index.js';
import { Browser } from './helpers/browser.js';
import { type RunningExample, startExample } from './helpers/example.js';

let sim: Simulator;
let url: string;
let example: RunningExample;

before(async () => {
  example = await startExample();
  ({ url, sim } = example);
});
after(() => example.close());

async function signedIn(): Promise<{ b: Browser; page: string }> {
  const b = new Browser();
  const home = await b.request(`${url}/`);
  assert.match(home.body, /Sign in with OCLC/);
  const end = await b.navigate(`${url}/auth?returnTo=/record`);
  assert.equal(end.status, 200, end.body.slice(0, 300));
  return { b, page: end.body };
}

describe('example app', () => {
  it('shows the token details (a fingerprint, never the token) and record 823520553', async () => {
    const { b, page } = await signedIn();
    assert.match(page, /<h2 id="token-h">Access Token<\/h2>/);
    assert.match(page, /<th scope="row">token<\/th><td>tk_…[A-Za-z0-9_-]{4}<\/td>/);
    for (const label of [
      'token_type',
      'expires_at',
      'expires_in',
      'principalID',
      'principalIDNS',
      'context_institution_id',
      'authenticating_institution_id',
      'scopes',
      'refresh_token expires_at',
    ]) {
      assert.ok(page.includes(`<th scope="row">${label}</th>`), label);
    }
    assert.match(page, /8eaa9f92-3951-431c-975a-e5b4b7b5e3a0/);
    assert.match(page, /Bibliographic Record 823520553/);
    assert.match(
      page,
      /<td class="tag">245<\/td><td class="tag">1<\/td><td class="tag">0<\/td><td><span class="sf">\$a<\/span> Cataloging in the cloud :/,
    );
    assert.match(page, /&lt;datafield tag=&quot;245&quot;/, 'raw MARCXML shown, escaped');
    assert.ok(page.includes('Linked data &amp; libraries.'), 'decoded once in the table, escaped once');
    assert.ok(
      page.includes('Linked data &amp;amp; libraries.'),
      'kept encoded in the raw MARCXML, escaped once',
    );
    for (const seen of b.seen.filter((s) => s.url.startsWith(url))) {
      assert.doesNotMatch(seen.body, /\b(tk|rt)_[A-Za-z0-9_-]{10,}/, seen.url);
    }
  });

  it('looks up another record, and says clearly when one is missing or not a number', async () => {
    const { b } = await signedIn();
    const other = await b.request(`${url}/record?oclcNumber=ocm01039085`);
    assert.equal(other.status, 200);
    assert.match(other.body, /Bibliographic Record 1039085/);
    assert.match(other.body, /The reading room/);
    const missing = await b.request(`${url}/record?oclcNumber=99999999`);
    assert.equal(missing.status, 404);
    assert.match(missing.body, /Record 99999999 was not found/);
    const bad = await b.request(`${url}/record?oclcNumber=${encodeURIComponent('<script>')}`);
    assert.equal(bad.status, 400);
    assert.ok(!bad.body.includes('<script>'));
  });

  it('"refresh token now" gets a new token', async () => {
    const { b, page } = await signedIn();
    const before_ = /tk_…[A-Za-z0-9_-]{4}/.exec(page)![0];
    const res = await b.request(`${url}/refresh`, { method: 'POST', headers: { origin: url } });
    assert.equal(res.status, 303);
    const after_ = await b.request(`${url}${res.headers.location}`);
    assert.match(after_.body, /The access token was refreshed/);
    assert.notEqual(/tk_…[A-Za-z0-9_-]{4}/.exec(after_.body)![0], before_);
    const crossSite = await b.request(`${url}/refresh`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(crossSite.status, 403);
  });

  it('signed out elsewhere → sent to sign in again', async () => {
    const { b } = await signedIn();
    const other = new Browser();
    other.setCookie(url, 'oclc.sid', b.cookie(url, 'oclc.sid')!);
    await other.request(`${url}/auth/logout`, { method: 'POST', headers: { origin: url } });
    const res = await b.request(`${url}/record`);
    assert.equal(res.status, 303);
    assert.ok(res.headers.location!.startsWith(sim.url));
  });

  it('logs out', async () => {
    const { b } = await signedIn();
    const out = await b.request(`${url}/auth/logout`, { method: 'POST', headers: { origin: url } });
    assert.equal(out.status, 303);
    const home = await b.request(`${url}/`);
    assert.match(home.body, /Sign in with OCLC/);
  });

  it('health routes: liveness and readiness', async () => {
    const live = await fetch(`${url}/healthz`);
    assert.equal(live.status, 200);
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
  });

  it('OCLC down → a clear 503 page', async () => {
    const { b } = await signedIn();
    sim.faults.hang({ target: 'api' });
    sim.faults.failNext(5, { status: 500, target: 'token' });
    sim.faults.setLifetimes({});
    // The API hangs past the app's timeout (10 s by default is too long for a test: close the simulator instead).
    await sim.close();
    const res = await b.request(`${url}/record`);
    assert.equal(res.status, 503, res.body.slice(0, 200));
    assert.match(res.body, /OCLC is not answering/);
    assert.ok(res.headers['retry-after']);
  });
});

describe('command-line examples', () => {
  it('HMAC request prints the record from the simulator', () => {
    const r = spawnSync(process.execPath, ['example-app/hmac-request.js'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /<entry xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    assert.match(r.stdout, /ocn823520553/);
  });

  it('client credentials prints token fingerprint, expires_in, expires_at, type', () => {
    const r = spawnSync(process.execPath, ['example-app/client-credentials.js'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stdout,
      /^access token: tk_…\S{4}\nexpires_in: \d+\nexpires_at: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\ntype: bearer\n$/,
    );
  });

  it('client credentials prints error_code and error_message on failure', () => {
    const r = spawnSync(process.execPath, ['example-app/client-credentials.js'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, OCLC_KEY: 'k', OCLC_SECRET: 's', OCLC_SERVER: 'http://127.0.0.1:9' },
    });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^error_code: OCLC_NETWORK\nerror_message: .*could not reach OCLC/);
  });
});

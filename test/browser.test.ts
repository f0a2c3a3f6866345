// A real browser (Debian's chromium driven by playwright-core) through the demo: sign in on the
// simulator's page, see record 823520553, refresh, look up another record, sign out.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import type { Simulator } from '../src/index.js';
import { type RunningExample, startExample } from './helpers/example.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = new URL('../screenshots/', import.meta.url);

let sim: Simulator;
let url: string;
let example: RunningExample;
let browser: Browser;

before(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`No browser at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  mkdirSync(shots, { recursive: true });
  example = await startExample('localhost');
  ({ url, sim } = example);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
after(async () => {
  await browser?.close();
  await example?.close();
});

it('signs in, reads 823520553, refreshes, looks up another record and signs out', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.getByRole('link', { name: 'Sign in with OCLC' }).first().click();

  await page.waitForURL(`${sim.url}/auth/128807?**`);
  await page.fill('#username', 'librarian');
  await page.fill('#password', 'oclc-sandbox');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.waitForURL(`${url}/record`);
  await page.getByRole('heading', { name: 'Bibliographic Record 823520553' }).waitFor();
  assert.match((await page.locator('section').first().textContent()) ?? '', /tk_…/);
  assert.match(await page.content(), /Cataloging in the cloud/);
  const cookies = await context.cookies(url);
  const sid = cookies.find((c) => c.name === 'oclc.sid')!;
  assert.equal(sid.httpOnly, true);
  assert.equal(sid.sameSite, 'Lax');
  await page.screenshot({ path: new URL('signed-in.png', shots).pathname, fullPage: false });
  if (process.env.UPDATE_DOCS_SCREENSHOT === '1')
    copyFileSync(new URL('signed-in.png', shots), new URL('../docs/signed-in.png', import.meta.url));

  const before_ = await page.locator('tr', { hasText: 'token' }).first().textContent();
  await page.getByRole('button', { name: 'Refresh token now' }).click();
  await page.getByText('The access token was refreshed.').waitFor();
  assert.notEqual(await page.locator('tr', { hasText: 'token' }).first().textContent(), before_);

  await page.fill('#oclcNumber', '(OCoLC)ocm01039085');
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByRole('heading', { name: 'Bibliographic Record 1039085' }).waitFor();
  assert.match(await page.content(), /The reading room/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${url}/`);
  await page.getByRole('link', { name: 'Sign in with OCLC' }).first().waitFor();
  await page.goto(`${url}/record`);
  await page.waitForURL(`${sim.url}/auth/128807?**`);
  await page.screenshot({ path: new URL('signed-out.png', shots).pathname });
  await context.close();
});

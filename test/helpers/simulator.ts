// Starts a simulator for a test file and drives its login form like a browser would.
import { after, before } from 'node:test';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/index.js';

export const REDIRECT_URI = 'http://app.test/auth/callback';

/** A simulator for the whole file: started before, closed after, reset by the caller as needed. */
export function useSimulator(options: SimulatorOptions = {}): { readonly sim: Simulator } {
  const holder: { sim?: Simulator } = {};
  before(async () => {
    holder.sim = await startSimulator({ redirectUris: [REDIRECT_URI], admin: true, ...options });
  });
  after(async () => {
    await holder.sim?.close();
  });
  return {
    get sim() {
      if (!holder.sim) throw new Error('simulator not started');
      return holder.sim;
    },
  };
}

export interface LoginResult {
  status: number;
  location: string | null;
  html: string;
}

/**
 * Opens a login URL (following the picker to the institution's page when `institution` is given)
 * and submits the form. Returns the simulator's answer to the form post.
 */
export async function submitLogin(
  loginUrl: string,
  form: { username?: string; password?: string; action?: 'login' | 'deny' } = {},
): Promise<LoginResult> {
  const page = await fetch(loginUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) return { status: page.status, location: page.headers.get('location'), html };
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
  if (!action) throw new Error(`no login form at ${loginUrl}: ${html.slice(0, 200)}`);
  const res = await fetch(new URL(action, loginUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username: form.username ?? 'librarian',
      password: form.password ?? 'oclc-sandbox',
      action: form.action ?? 'login',
    }).toString(),
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/** Logs in and returns the code from the redirect. */
export async function loginForCode(loginUrl: string): Promise<{ code: string; state: string | null }> {
  const result = await submitLogin(loginUrl);
  if (result.status !== 302 || !result.location)
    throw new Error(`login failed: ${result.status} ${result.html.slice(0, 200)}`);
  const url = new URL(result.location);
  const code = url.searchParams.get('code');
  if (!code) throw new Error(`no code in ${url.search}`);
  return { code, state: url.searchParams.get('state') };
}

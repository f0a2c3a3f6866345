// A cookie-keeping client that follows redirects across the app and the simulator and fills in the
// simulator's login form, like a browser would, recording every response it saw.
export interface Seen {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class Browser {
  /** Cookies by host:port, name → value. */
  readonly jar = new Map<string, Map<string, string>>();
  readonly seen: Seen[] = [];
  readonly setCookies: string[] = [];

  constructor(readonly defaultHeaders: Record<string, string> = { accept: 'text/html' }) {}

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name);
  }

  setCookie(url: string, name: string, value: string): void {
    const host = new URL(url).host;
    const cookies = this.jar.get(host) ?? new Map();
    cookies.set(name, value);
    this.jar.set(host, cookies);
  }

  async request(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Seen> {
    const host = new URL(url).host;
    const cookies = this.jar.get(host);
    const headers: Record<string, string> = { ...this.defaultHeaders, ...init.headers };
    if (cookies?.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.body,
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const jar = this.jar.get(host) ?? new Map();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
      this.jar.set(host, jar);
    }
    const seen: Seen = {
      url,
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body: await res.text(),
    };
    this.seen.push(seen);
    return seen;
  }

  /** GET and follow redirects (GET after each), answering the simulator's login form when it shows. */
  async navigate(
    url: string,
    options: {
      login?: { username?: string; password?: string; action?: 'login' | 'deny' } | false;
      maxHops?: number;
    } = {},
  ): Promise<Seen> {
    let current = await this.request(url);
    for (let hop = 0; hop < (options.maxHops ?? 10); hop++) {
      if (current.status >= 300 && current.status < 400 && current.headers.location) {
        current = await this.request(new URL(current.headers.location, current.url).href);
        continue;
      }
      const form = /<form method="post" action="([^"]+)"/.exec(current.body);
      if (current.status === 200 && form && options.login !== false && /name="password"/.test(current.body)) {
        const action = new URL(form[1]!.replaceAll('&amp;', '&'), current.url).href;
        const login = options.login ?? {};
        current = await this.request(action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            username: login.username ?? 'librarian',
            password: login.password ?? 'oclc-sandbox',
            action: login.action ?? 'login',
          }).toString(),
        });
        continue;
      }
      return current;
    }
    return current;
  }
}

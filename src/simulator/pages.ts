// The simulator's HTML pages: institution picker, login form, error page. Everything echoed is escaped.
import { escapeHtml } from './http-util.js';
import type { SimulatorInstitution } from './options.js';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1d2430}
main{max-width:26rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
.actions{display:flex;gap:.5rem;margin-top:1.2rem}button{padding:.5rem 1rem;font-size:1rem;cursor:pointer}
.error{background:#fde8e8;color:#8a1c1c;padding:.6rem;border-radius:4px}.note{color:#5b6573;font-size:.85rem}
ul{padding-left:1.2rem}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}<p class="note">OCLC simulator (oclc-auth-express) — not OCLC.</p></main></body></html>`;
}

export function pickerPage(institutions: SimulatorInstitution[], query: string, basePath: string): string {
  const items = institutions
    .map(
      (i) =>
        `<li><a href="${escapeHtml(`${basePath}/${i.registryId}?${query}`)}">${escapeHtml(i.name)}</a> (${escapeHtml(i.registryId)})</li>`,
    )
    .join('');
  return page('Choose your institution', `<h1>Choose your institution</h1><ul>${items}</ul>`);
}

export function loginPage(input: {
  institution: SimulatorInstitution;
  clientName: string;
  scopes: string[];
  action: string;
  error?: string;
  username?: string;
}): string {
  const error = input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : '';
  return page(
    `Sign in — ${input.institution.name}`,
    `<h1>Sign in to ${escapeHtml(input.institution.name)}</h1>
<p><strong>${escapeHtml(input.clientName)}</strong> asks for: ${input.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}</p>
${error}<form method="post" action="${escapeHtml(input.action)}">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" value="${escapeHtml(input.username ?? '')}" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button type="submit" name="action" value="login">Sign in</button><button type="submit" name="action" value="deny" formnovalidate>Deny</button></div>
</form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p class="error">${escapeHtml(message)}</p>`);
}

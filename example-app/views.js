// The example app's pages. Everything shown is escaped; tokens are never shown, only fingerprints.

import { escapeHtml } from 'oclc-auth-express';

function layout({ title, user, body, mode }) {
  const signOut = user
    ? `<form method="post" action="/auth/logout"><button class="secondary" type="submit">Sign out</button></form>`
    : `<a class="button" href="/auth?returnTo=/record">Sign in with OCLC</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} — oclc-auth-express demo</title><link rel="stylesheet" href="/style.css"></head>
<body><header><div class="bar"><a class="brand" href="/">oclc-auth-express demo</a>
<span class="muted">${escapeHtml(mode)}</span>${signOut}</div></header>
<main>${body}</main></body></html>`;
}

export function homePage({ user, mode }) {
  const body = user
    ? `<section><h1>Signed in</h1><p>You are signed in as <code>${escapeHtml(user.principalId ?? '(no principal)')}</code>.</p>
<p><a class="button" href="/record">See the token and record 823520553</a></p></section>`
    : `<section><h1>WorldCat bibliographic record demo</h1>
<p>Sign in with OCLC to see your access token's details and read bibliographic record 823520553 from the WorldCat Metadata API 2.0.</p>
<p><a class="button" href="/auth?returnTo=/record">Sign in with OCLC</a></p>
<p class="muted">With the built-in simulator, sign in as <code>librarian</code> / <code>oclc-sandbox</code>.</p></section>`;
  return layout({ title: 'Home', user, body, mode });
}

function row(label, value) {
  return `<tr><th scope="row">${escapeHtml(label)}</th><td>${value === null || value === undefined || value === '' ? '<span class="muted">—</span>' : escapeHtml(value)}</td></tr>`;
}

function tokenTable(token, user) {
  return `<table>
${row('token', token.accessTokenFingerprint)}
${row('token_type', token.tokenType)}
${row('expires_at', token.expiresAtText ?? new Date(token.expiresAt).toISOString())}
${row('expires_in', `${token.expiresInSeconds} s`)}
${row('principalID', user?.principalId)}
${row('principalIDNS', user?.principalIdns)}
${row('context_institution_id', user?.contextInstitutionId)}
${row('authenticating_institution_id', user?.authenticatingInstitutionId)}
${row('scopes', token.scopes.join(' '))}
${row('refresh_token expires_at', token.hasRefreshToken ? (token.refreshTokenExpiresAtText ?? new Date(token.refreshTokenExpiresAt).toISOString()) : null)}
</table>`;
}

function marcTable(record) {
  const rows = [
    `<tr><td class="tag">LDR</td><td></td><td></td><td><code>${escapeHtml(record.leader)}</code></td></tr>`,
  ];
  for (const field of record.fields) {
    if (field.value !== undefined) {
      rows.push(
        `<tr><td class="tag">${escapeHtml(field.tag)}</td><td></td><td></td><td><code>${escapeHtml(field.value)}</code></td></tr>`,
      );
      continue;
    }
    const subfields = (field.subfields ?? [])
      .map((s) => `<span class="sf">$${escapeHtml(s.code)}</span> ${escapeHtml(s.value)}`)
      .join(' ');
    rows.push(
      `<tr><td class="tag">${escapeHtml(field.tag)}</td><td class="tag">${escapeHtml(field.ind1)}</td><td class="tag">${escapeHtml(field.ind2)}</td><td>${subfields}</td></tr>`,
    );
  }
  return `<table><thead><tr><th>Tag</th><th>Ind1</th><th>Ind2</th><th>Subfields</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

export function recordPage({ user, token, oclcNumber, record, marcxml, problem, notice, mode }) {
  const lookup = `<form class="actions" method="get" action="/record">
<label for="oclcNumber">OCLC number</label><input type="text" id="oclcNumber" name="oclcNumber" value="${escapeHtml(oclcNumber)}" inputmode="numeric" autocomplete="off">
<button type="submit">Look up</button></form>`;
  const recordBody = problem
    ? `<p class="notice" role="alert">${escapeHtml(problem)}</p>`
    : `<div class="grid"><div>${marcTable(record)}</div><div><pre>${escapeHtml(marcxml)}</pre></div></div>`;
  const body = `${notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>` : ''}
<section aria-labelledby="token-h"><h2 id="token-h">Access Token</h2>${tokenTable(token, user)}
<form class="actions" method="post" action="/refresh" style="margin-top:.75rem"><button type="submit">Refresh token now</button></form></section>
<section aria-labelledby="record-h"><h2 id="record-h">Bibliographic Record ${escapeHtml(oclcNumber)}</h2>${lookup}<div style="margin-top:1rem">${recordBody}</div></section>`;
  return layout({ title: `Record ${oclcNumber}`, user, body, mode });
}

export function errorPage({ title, message, user, mode, link }) {
  const a = link
    ? `<p><a class="button" href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>`
    : '';
  return layout({
    title,
    user,
    body: `<section><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${a}</section>`,
    mode,
  });
}

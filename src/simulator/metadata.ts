// WorldCat Metadata API 2.0 (the subset the example uses) and the retired v1 bib read over HMAC.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseOclcNumber } from '../core/oclc-number.js';
import { type SimContext, verifyHmacRequest } from './context.js';
import { escapeXml, sendJson, sendXml } from './http-util.js';
import type { AccessTokenEntry } from './state.js';

const MARCXML = 'application/marcxml+xml';

function problem(
  ctx: SimContext,
  res: ServerResponse,
  status: number,
  type: string,
  title: string,
  description: string,
  headers = {},
): void {
  ctx.state.countApi(status);
  sendJson(res, status, { type, title, detail: { summary: type, description } }, headers);
}

/** Bearer token check in the gateway's words; null when it has answered. */
function authorize(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  fits: (scope: string) => boolean,
): AccessTokenEntry | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  const entry = match ? ctx.state.liveAccessToken(match[1]!) : null;
  if (!entry) {
    ctx.state.countApi(401);
    sendJson(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
    return null;
  }
  const cap = ctx.state.countRequest(entry.clientId);
  if (!cap.allowed) {
    ctx.state.countApi(429);
    sendJson(res, 429, { message: 'Too Many Requests' }, { 'retry-after': cap.retryAfterSeconds });
    return null;
  }
  if (!entry.scopes.some(fits)) {
    problem(
      ctx,
      res,
      403,
      'FORBIDDEN',
      'Forbidden',
      'The access token does not have a scope that allows this operation.',
    );
    return null;
  }
  return entry;
}

function findRecord(ctx: SimContext, res: ServerResponse, raw: string) {
  const number = parseOclcNumber(raw);
  if (!number) {
    problem(
      ctx,
      res,
      400,
      'BAD_REQUEST',
      'Invalid OCLC number.',
      'The OCLC number must be digits, optionally prefixed by ocm, ocn, on or (OCoLC).',
    );
    return null;
  }
  const record = ctx.records.get(number);
  if (!record) {
    problem(
      ctx,
      res,
      404,
      'NOT_FOUND',
      'Unable to perform the bib read operation.',
      `The requested record ${number} was not found.`,
    );
    return null;
  }
  return record;
}

const metadataScope = (s: string) => s === 'WorldCatMetadataAPI' || s.startsWith('WorldCatMetadataAPI:');
const searchScope = (s: string) => metadataScope(s) || s === 'wcapi' || s.startsWith('wcapi:');

function acceptsMarcXml(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const type = part.split(';')[0]!.trim().toLowerCase();
    return type === MARCXML || type === '*/*' || type === 'application/*';
  });
}

/** GET /worldcat/manage/bibs/:oclcNumber → MARCXML. */
export function handleManageBib(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  raw: string,
): void {
  if (!authorize(ctx, req, res, metadataScope)) return;
  if (!acceptsMarcXml(req.headers.accept)) {
    problem(ctx, res, 406, 'NOT_ACCEPTABLE', 'Not Acceptable', `Supported media types: ${MARCXML}.`);
    return;
  }
  const record = findRecord(ctx, res, raw);
  if (!record) return;
  ctx.state.countApi(200);
  sendXml(res, 200, `${MARCXML};charset=UTF-8`, record.marcxml);
}

/** GET /worldcat/search/brief-bibs/:oclcNumber → JSON. */
export function handleBriefBib(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  raw: string,
): void {
  if (!authorize(ctx, req, res, searchScope)) return;
  const record = findRecord(ctx, res, raw);
  if (!record) return;
  ctx.state.countApi(200);
  sendJson(res, 200, record.brief);
}

function xmlError(ctx: SimContext, res: ServerResponse, status: number, code: string, message: string): void {
  ctx.state.countApi(status);
  sendXml(
    res,
    status,
    'application/xml;charset=UTF-8',
    `<?xml version="1.0" encoding="UTF-8"?><error><code type="http">${escapeXml(code)}</code><message>${escapeXml(message)}</message></error>`,
  );
}

/** GET /bib/data/:oclcNumber — Metadata API v1 (retired by OCLC in 2024), HMAC-signed, Atom-wrapped. */
export function handleLegacyBib(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  raw: string,
): void {
  const verified = verifyHmacRequest(ctx, req, 'GET', url);
  if (!verified.ok) {
    if (verified.reason === 'bad_signature' && verified.clientId) ctx.state.authFailed(verified.clientId);
    xmlError(ctx, res, 401, '401', verified.message);
    return;
  }
  const cap = ctx.state.countRequest(verified.clientId);
  if (!cap.allowed) {
    xmlError(ctx, res, 429, '429', 'Too Many Requests');
    return;
  }
  const number = parseOclcNumber(raw);
  const record = number ? ctx.records.get(number) : undefined;
  if (!record) {
    xmlError(ctx, res, 404, 'WS-404', 'Unable to locate resource: 404.');
    return;
  }
  const body = record.marcxml.replace(/^<\?xml[^>]*>\s*/, '');
  const id = `http://worldcat.org/oclc/${record.oclcNumber}`;
  const principal = verified.principal
    ? `<author><name>${escapeXml(verified.principal.principalIdns)}:${escapeXml(verified.principal.principalId)}</name></author>`
    : '';
  ctx.state.countApi(200);
  sendXml(
    res,
    200,
    'application/atom+xml;charset=UTF-8',
    `<?xml version="1.0" encoding="UTF-8"?>
<entry xmlns="http://www.w3.org/2005/Atom">
  <id>${id}</id>
  <link href="${id}"/>
  <title type="text">${escapeXml(String(record.brief.title ?? ''))}</title>
  <updated>${new Date(ctx.state.clock()).toISOString()}</updated>${principal}
  <content type="application/xml">
    <response xmlns="http://worldcat.org/rb" mimeType="application/vnd.oclc.marc21+xml">
${body}
    </response>
  </content>
</entry>
`,
  );
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  apiErrorFromResponse,
  authErrorFromResponse,
  fingerprint,
  OclcConfigError,
  OclcError,
  parseErrorBody,
  redact,
} from '../src/index.js';
import { responseVectors } from './helpers/vectors.js';

describe('error bodies (shared/vectors/oclc-responses.json)', () => {
  for (const [i, v] of responseVectors.errorBodies.entries()) {
    it(`#${i} ${v.status} from ${v.source}`, () => {
      const err = authErrorFromResponse('Token request', {
        status: v.status,
        body: v.body,
        contentType: v.contentType,
      });
      assert.ok(err instanceof OclcError);
      assert.equal(err.status, v.status);
      assert.ok(err.oclcMessage, 'OCLC message parsed');
      if (v.expectedMessage)
        assert.ok(err.message.includes(v.expectedMessage), `${err.message} ⊇ ${v.expectedMessage}`);
      assert.ok(err.message.includes(String(v.status)));
      assert.ok(err.body, 'raw body kept (shortened)');
      for (const text of [err.message, JSON.stringify(err), inspect(err), err.body ?? '', err.detail ?? '']) {
        assert.ok(!text.includes('tk_12345'), `no token in: ${text}`);
        assert.ok(!text.includes('wskey/v2/hmac/v1 clientId'), `no HMAC header in: ${text}`);
      }
    });
  }

  it('reads every shape to the expected code and message', () => {
    const cases: Array<[string, string | null, Record<string, string | undefined>]> = [
      [
        '{"code":{"type":"http","value":"401"},"message":"WSKey test is invalid"}',
        null,
        { oclcCode: '401', message: 'WSKey test is invalid' },
      ],
      [
        '{"code":403,"message":"unauthorized_client"}',
        null,
        { oclcCode: '403', message: 'unauthorized_client', oauthError: 'unauthorized_client' },
      ],
      [
        '{"error":{"errorMessage":"unauthorized_client","errorCode":403}}',
        null,
        { oclcCode: '403', message: 'unauthorized_client', oauthError: 'unauthorized_client' },
      ],
      [
        '{"error":"invalid_grant","error_description":"Refresh token is expired"}',
        null,
        { oclcCode: 'invalid_grant', message: 'Refresh token is expired', oauthError: 'invalid_grant' },
      ],
      [
        '<error><code type="http">401</code><message>WSKey &apos;test&apos; is invalid</message></error>',
        'application/xml',
        { oclcCode: '401', message: "WSKey 'test' is invalid" },
      ],
      [
        '{"type":"NOT_FOUND","title":"T","detail":{"summary":"NOT_FOUND","description":"gone"}}',
        null,
        { oclcCode: 'NOT_FOUND', message: 'gone', detail: 'T' },
      ],
      [
        '{"type":"CONFLICT","title":"T","detail":"plain"}',
        null,
        { oclcCode: 'CONFLICT', message: 'plain', detail: 'T' },
      ],
      [
        '<html><body>error="invalid_request" error_description="bad &amp; sad"</body></html>',
        'text/html',
        { oclcCode: 'invalid_request', message: 'bad & sad', oauthError: 'invalid_request' },
      ],
      [
        '<html><head><title>Service Unavailable</title></head></html>',
        'text/html',
        { message: 'Service Unavailable' },
      ],
    ];
    for (const [body, type, expected] of cases) {
      const parsed = parseErrorBody(body, type);
      for (const [k, val] of Object.entries(expected))
        assert.equal(parsed[k as keyof typeof parsed], val, `${k} of ${body}`);
    }
    assert.deepEqual(parseErrorBody(''), {});
    assert.deepEqual(parseErrorBody('{not json'), { message: '{not json' });
    assert.deepEqual(parseErrorBody('x'.repeat(300)), {});
  });

  it('API errors carry status, code and a 429 code of their own', () => {
    const err = apiErrorFromResponse('Bib read', {
      status: 429,
      body: '{"message":"Too Many Requests"}',
      retryAfterSeconds: 7,
    });
    assert.equal(err.code, 'OCLC_RATE_LIMITED');
    assert.equal(err.retryAfterSeconds, 7);
    assert.equal(err.message, 'Bib read failed: 429 Too Many Requests');
  });
});

describe('redaction', () => {
  it('removes tokens, codes, secrets and Authorization values', () => {
    const text = redact(
      'Authorization: Bearer tk_abcdefghijkl\n' +
        'refresh_token=rt_zzzzzzzzzzzz&code=auth_xyz123&state=abc&code_verifier=v123\n' +
        '{"access_token":"tk_q","password":"pw"} http://www.worldcat.org/wskey/v2/hmac/v1 clientId="k", signature="s=" ' +
        'Basic a2V5OnNlY3JldA== my-wskey-secret',
      ['my-wskey-secret'],
    );
    for (const secret of [
      'tk_abcdefghijkl',
      'rt_zzzz',
      'auth_xyz123',
      'abc&',
      'v123',
      '"tk_q"',
      'pw',
      'signature="s="',
      'a2V5OnNlY3JldA==',
      'my-wskey-secret',
    ]) {
      assert.ok(!text.includes(secret), `${secret} left in ${text}`);
    }
    assert.ok(text.includes('[redacted]'));
  });

  it('fingerprints keep the id prefix and the last four characters only', () => {
    assert.equal(fingerprint('tk_25fXauhJC09E5kwFxcf4TRXkTnaRYWHgJA0W'), 'tk_…JA0W');
    assert.equal(fingerprint('rt_short'), 'rt_…');
    assert.equal(fingerprint('abcdefghijklmnop'), '…mnop');
    assert.equal(fingerprint(null), '');
  });

  it('an error built with a secret never shows it, in message, JSON or inspect', () => {
    const err = authErrorFromResponse('Token request', {
      status: 401,
      body: '{"message":"secret s3cr3t-value was wrong"}',
      secrets: ['s3cr3t-value'],
    });
    for (const text of [
      err.message,
      JSON.stringify(err),
      inspect(err, { depth: 5 }),
      err.oclcMessage ?? '',
    ]) {
      assert.ok(!text.includes('s3cr3t-value'), text);
    }
  });

  it('config errors name the field', () => {
    const err = new OclcConfigError('bad', 'scopes');
    assert.equal(err.code, 'OCLC_CONFIG_INVALID');
    assert.equal(err.field, 'scopes');
    assert.equal(err.name, 'OclcConfigError');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canRefresh,
  isExpired,
  OclcResponseError,
  parseOclcTime,
  parseTokenResponse,
  summarizeToken,
  type TokenRecord,
} from '../src/index.js';
import { responseVectors } from './helpers/vectors.js';

const receivedAt = 1_764_000_000_000;

describe('token responses (shared/vectors/oclc-responses.json)', () => {
  for (const [i, v] of responseVectors.tokenResponses.entries()) {
    it(`#${i} from ${v.source}`, () => {
      const record = parseTokenResponse(JSON.parse(v.body), { receivedAt, requestedScopes: ['asked'] });
      const e = v.expected;
      assert.equal(record.accessToken, e.accessToken);
      assert.equal(record.tokenType, e.tokenType);
      assert.equal(record.expiresAt, receivedAt + (e.expiresInSeconds as number) * 1000);
      assert.equal(record.expiresAtText, e.expiresAtText);
      assert.equal(record.contextInstitutionId, e.contextInstitutionId);
      assert.equal(record.principalId, e.principalId);
      assert.equal(record.principalIdns, e.principalIdns);
      assert.equal(record.refreshToken, e.refreshToken);
      const rtIn = e.refreshTokenExpiresInSeconds as number | null;
      assert.equal(record.refreshTokenExpiresAt, rtIn === null ? null : receivedAt + rtIn * 1000);
      if (e.scopes) assert.deepEqual(record.scopes, e.scopes);
      else assert.deepEqual(record.scopes, ['asked'], 'no scopes returned: the requested ones are kept');
      // Plain JSON: survives a round trip unchanged.
      assert.deepEqual(JSON.parse(JSON.stringify(record)), record);
    });
  }
});

describe('parseTokenResponse', () => {
  const minimal = { access_token: 'tk_abc', token_type: 'Bearer', expires_in: '1199' };

  it('normalizes token_type case and reads expires_in given as a string', () => {
    const r = parseTokenResponse(minimal, { receivedAt });
    assert.equal(r.tokenType, 'bearer');
    assert.equal(r.expiresAt, receivedAt + 1_199_000);
  });

  it('reads scopes from `scopes` when `scope` is absent', () => {
    assert.deepEqual(parseTokenResponse({ ...minimal, scopes: 'a  b' }, { receivedAt }).scopes, ['a', 'b']);
  });

  it('falls back to expires_at when expires_in is missing', () => {
    const r = parseTokenResponse(
      { access_token: 'tk_a', expires_at: '2026-12-04 16:20:00Z' },
      { receivedAt },
    );
    assert.equal(r.expiresAt, Date.UTC(2026, 11, 4, 16, 20, 0));
  });

  it('keeps the old refresh token when a refresh answer has none', () => {
    const previous = parseTokenResponse(
      {
        ...minimal,
        refresh_token: 'rt_old',
        refresh_token_expires_in: 600,
        principalID: 'p',
        principalIDNS: 'ns',
      },
      { receivedAt },
    );
    const next = parseTokenResponse(
      { access_token: 'tk_new', expires_in: 1199 },
      { receivedAt: receivedAt + 5000, previous },
    );
    assert.equal(next.accessToken, 'tk_new');
    assert.equal(next.refreshToken, 'rt_old');
    assert.equal(next.refreshTokenExpiresAt, previous.refreshTokenExpiresAt);
    assert.equal(next.principalId, 'p');
    const rotated = parseTokenResponse(
      { ...minimal, refresh_token: 'rt_new', refresh_token_expires_in: 60 },
      { receivedAt, previous },
    );
    assert.equal(rotated.refreshToken, 'rt_new');
  });

  const bad: Array<[string, unknown, string | undefined]> = [
    ['a non-object', [1, 2], undefined],
    ['no access_token', { token_type: 'bearer', expires_in: 1 }, 'access_token'],
    ['an empty access_token', { access_token: '', expires_in: 1 }, 'access_token'],
    ['a negative expires_in', { access_token: 'tk', expires_in: -5 }, 'expires_in'],
    ['a word for expires_in', { access_token: 'tk', expires_in: 'soon' }, 'expires_in'],
    ['no expiry at all', { access_token: 'tk' }, 'expires_in'],
    [
      'a bad refresh_token_expires_in',
      { ...minimal, refresh_token: 'rt', refresh_token_expires_in: 'x' },
      'refresh_token_expires_in',
    ],
  ];
  for (const [name, body, field] of bad) {
    it(`refuses ${name} with a typed error`, () => {
      assert.throws(
        () => parseTokenResponse(body, { receivedAt }),
        (err: unknown) =>
          err instanceof OclcResponseError && err.code === 'OCLC_RESPONSE_INVALID' && err.field === field,
      );
    });
  }

  it('parses OCLC time text', () => {
    assert.equal(parseOclcTime('2014-03-13 15:44:59Z'), Date.UTC(2014, 2, 13, 15, 44, 59));
    assert.equal(parseOclcTime('2014-03-13T15:44:59Z'), Date.UTC(2014, 2, 13, 15, 44, 59));
    assert.equal(parseOclcTime('yesterday'), null);
  });
});

describe('expiry', () => {
  const record = { expiresAt: 10_000 } as TokenRecord;
  it('isExpired honours the leeway', () => {
    assert.equal(isExpired(record, { now: 9_999 }), false);
    assert.equal(isExpired(record, { now: 10_000 }), true);
    assert.equal(isExpired(record, { now: 5_000, leewaySeconds: 5 }), true);
    assert.equal(isExpired(record, { now: 4_999, leewaySeconds: 5 }), false);
  });

  it('canRefresh needs a refresh token that has not run out', () => {
    const r = parseTokenResponse(
      { access_token: 'tk', expires_in: 1, refresh_token: 'rt', refresh_token_expires_in: 10 },
      { receivedAt: 0 },
    );
    assert.equal(canRefresh(r, 9_999), true);
    assert.equal(canRefresh(r, 10_000), false);
    assert.equal(canRefresh({ ...r, refreshToken: null }, 0), false);
  });

  it('summarizeToken shows a fingerprint and never the token strings', () => {
    const r = parseTokenResponse(
      {
        access_token: 'tk_25fXauhJC09E5kwFxcf4TRXkTnaRYWHgJA0W',
        expires_in: 1199,
        refresh_token: 'rt_secretsecretsecret',
      },
      { receivedAt },
    );
    const s = summarizeToken(r, receivedAt + 199_000);
    assert.equal(s.accessTokenFingerprint, 'tk_…JA0W');
    assert.equal(s.expiresInSeconds, 1000);
    assert.equal(s.hasRefreshToken, true);
    const text = JSON.stringify(s);
    assert.ok(!text.includes(r.accessToken) && !text.includes('rt_secret'));
  });
});

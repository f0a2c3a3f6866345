import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  HMAC_SCHEME,
  normalizeQuery,
  normalizeRequest,
  OclcInputError,
  parseHmacHeader,
  signRequest,
  verifySignature,
} from '../src/index.js';
import { hmacVectors } from './helpers/vectors.js';

describe('HMAC vectors (shared/vectors/hmac.json)', () => {
  for (const v of hmacVectors.cases) {
    it(`${v.id} (${v.source})`, () => {
      const normalized = normalizeRequest({
        key: v.key,
        timestamp: v.timestamp,
        nonce: v.nonce,
        method: v.method,
        url: v.url,
      });
      assert.equal(normalized, v.normalizedRequest);
      const signed = signRequest({
        key: v.key,
        secret: v.secret,
        method: v.method,
        url: v.url,
        timestamp: v.timestamp,
        nonce: v.nonce,
      });
      assert.equal(signed.signature, v.signature);
      assert.equal(signed.timestamp, v.timestamp);
      assert.equal(signed.nonce, v.nonce);
    });
  }

  it('builds the header in OCLC documented form, with the principal appended unsigned', () => {
    const ex = hmacVectors.headerExample;
    const signed = signRequest({
      key: ex.key,
      secret: 'any-secret',
      method: 'GET',
      url: 'https://worldcat.org/bib/data/1',
      timestamp: ex.timestamp,
      nonce: ex.nonce,
      user: ex.user,
    });
    const expected = ex.format
      .replace('<key>', ex.key)
      .replace('<ts>', ex.timestamp)
      .replace('<nonce>', ex.nonce)
      .replace('<sig>', signed.signature)
      .replace('<id>', ex.user.principalId)
      .replace('<idns>', ex.user.principalIdns);
    assert.equal(signed.authorization, expected);
    const withoutUser = signRequest({
      key: ex.key,
      secret: 'any-secret',
      method: 'GET',
      url: 'https://worldcat.org/bib/data/1',
      timestamp: ex.timestamp,
      nonce: ex.nonce,
    });
    assert.equal(withoutUser.signature, signed.signature, 'principal is not part of the signature');
    assert.ok(!withoutUser.authorization.includes('principalID'));
  });
});

describe('signRequest', () => {
  it('takes the timestamp from the injected clock and the nonce from the injected randomness', () => {
    const signed = signRequest({
      key: 'k',
      secret: 's',
      method: 'GET',
      url: 'https://x.oclc.org/',
      clock: () => 1_700_000_123_999,
      randomBytes: (n) => new Uint8Array(n).fill(0xab),
    });
    assert.equal(signed.timestamp, '1700000123');
    assert.equal(signed.nonce, 'ab'.repeat(16));
  });

  it('makes a fresh nonce every call', () => {
    const a = signRequest({ key: 'k', secret: 's', method: 'GET', url: 'https://x.oclc.org/' });
    const b = signRequest({ key: 'k', secret: 's', method: 'GET', url: 'https://x.oclc.org/' });
    assert.notEqual(a.nonce, b.nonce);
    assert.match(a.nonce, /^[0-9a-f]{32}$/);
  });

  it('accepts the timestamp as a number or a string', () => {
    const base = { key: 'k', secret: 's', method: 'GET', url: 'https://x.oclc.org/?a=1', nonce: 'n' };
    assert.equal(
      signRequest({ ...base, timestamp: 1386968102 }).signature,
      signRequest({ ...base, timestamp: '1386968102' }).signature,
    );
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['missing key', { key: '' }, 'key'],
    ['missing secret', { secret: undefined }, 'secret'],
    ['missing method', { method: '' }, 'method'],
    ['method that is not a word', { method: 'GET /x' }, 'method'],
    ['URL that does not parse', { url: 'not a url' }, 'url'],
    ['relative URL', { url: '/bib/data/1' }, 'url'],
    ['timestamp that is not seconds', { timestamp: '12:00' }, 'timestamp'],
    ['nonce with a quote', { nonce: 'a"b' }, 'nonce'],
    ['key with a newline', { key: 'a\nb' }, 'key'],
  ];
  for (const [name, patch, field] of bad) {
    it(`refuses a ${name} with a typed error naming ${field}`, () => {
      const input = { key: 'k', secret: 'very-secret', method: 'GET', url: 'https://x.oclc.org/', ...patch };
      assert.throws(
        () => signRequest(input as Parameters<typeof signRequest>[0]),
        (err: unknown) => {
          assert.ok(err instanceof OclcInputError);
          assert.equal(err.code, 'OCLC_INPUT_INVALID');
          assert.equal(err.field, field);
          assert.ok(err.message.includes(field));
          assert.ok(!err.message.includes('very-secret'));
          return true;
        },
      );
    });
  }
});

describe('HMAC properties', () => {
  const word = fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' });
  const pairs = fc.array(fc.tuple(word, fc.string({ maxLength: 8, unit: 'grapheme' })), { maxLength: 6 });
  const enc = encodeURIComponent;

  it('does not depend on query parameter order', () => {
    fc.assert(
      fc.property(
        pairs.chain((list) =>
          fc.tuple(
            fc.constant(list),
            fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }),
          ),
        ),
        ([list, reordered]) => {
          const query = list.map(([n, v]) => `${enc(n)}=${enc(v)}`);
          const shuffled = reordered.map(([n, v]) => `${enc(n)}=${enc(v)}`);
          const a = normalizeRequest({
            key: 'k',
            timestamp: 1,
            nonce: 'n',
            method: 'GET',
            url: `https://a.b/?${query.join('&')}`,
          });
          const b = normalizeRequest({
            key: 'k',
            timestamp: 1,
            nonce: 'n',
            method: 'GET',
            url: `https://a.b/?${shuffled.join('&')}`,
          });
          assert.equal(a, b);
        },
      ),
    );
  });

  it('treats + and %20 the same', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,5}$/), { minLength: 1, maxLength: 4 }), (words) => {
        const plus = normalizeRequest({
          key: 'k',
          timestamp: 1,
          nonce: 'n',
          method: 'GET',
          url: `https://a.b/?q=${words.join('+')}`,
        });
        const pct = normalizeRequest({
          key: 'k',
          timestamp: 1,
          nonce: 'n',
          method: 'GET',
          url: `https://a.b/?q=${words.join('%20')}`,
        });
        assert.equal(plus, pct);
      }),
    );
  });

  it('signs any URL that parses without throwing, and the signature verifies', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.constantFrom('GET', 'post', 'Put'),
        (url, method) => {
          const signed = signRequest({ key: 'k', secret: 's', method, url, clock: () => 1e12 });
          const result = verifySignature({
            authorization: signed.authorization,
            method,
            url,
            getSecret: () => 's',
            clock: () => 1e12,
          });
          assert.equal(result.ok, true);
        },
      ),
    );
  });

  it('never throws on raw strings after the ?, including stray % and invalid UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (tail) => {
        const url = `https://a.b/?${tail}`;
        fc.pre(URL.canParse(url));
        normalizeRequest({ key: 'k', timestamp: 1, nonce: 'n', method: 'GET', url });
      }),
    );
    const lines = normalizeRequest({
      key: 'k',
      timestamp: 1,
      nonce: 'n',
      method: 'GET',
      url: 'https://a.b/?a=%zz&b=%C3&c=%',
    }).split('\n');
    assert.deepEqual(lines.slice(8, 11), ['a=%25zz', 'b=%C3', 'c=%25']);
  });
});

describe('verifySignature', () => {
  const now = 1_700_000_000_000;
  const sign = (extra: Partial<Parameters<typeof signRequest>[0]> = {}) =>
    signRequest({
      key: 'client-1',
      secret: 'sekrit',
      method: 'POST',
      url: 'https://a.b/token?x=1',
      clock: () => now,
      ...extra,
    });
  const verify = (
    authorization: string | undefined,
    extra: Partial<Parameters<typeof verifySignature>[0]> = {},
  ) =>
    verifySignature({
      authorization,
      method: 'POST',
      url: 'https://sim.local/other/path?x=1',
      getSecret: (id) => (id === 'client-1' ? 'sekrit' : undefined),
      clock: () => now,
      ...extra,
    });

  it('accepts a good signature on any host and path (they are not signed)', () => {
    const result = verify(sign({ user: { principalId: 'p1', principalIdns: 'urn:x' } }).authorization);
    assert.deepEqual(result, {
      ok: true,
      clientId: 'client-1',
      timestamp: now / 1000,
      nonce: result.ok ? result.nonce : '',
      principal: { principalId: 'p1', principalIdns: 'urn:x' },
    });
  });

  it('accepts clientID as well as clientId, and commas without spaces', () => {
    const header = sign().authorization.replace('clientId=', 'clientID=').replaceAll(', ', ',');
    assert.equal(verify(header).ok, true);
    assert.equal(verify(header.replaceAll(',', ' ,  ')).ok, true);
  });

  const refusals: Array<[string, () => string | undefined, string, object?]> = [
    ['no header', () => undefined, 'missing_header'],
    ['another scheme', () => 'Bearer tk_abc', 'wrong_scheme'],
    ['garbage parameters', () => `${HMAC_SCHEME} clientId=client-1`, 'malformed_header'],
    ['a repeated parameter', () => `${sign().authorization}, nonce="x"`, 'malformed_header'],
    [
      'a missing signature',
      () => sign().authorization.replace(/, signature="[^"]*"/, ''),
      'missing_parameter',
    ],
    ['an unknown key', () => sign({ key: 'other' }).authorization, 'unknown_client'],
    ['a changed query', () => sign({ url: 'https://a.b/token?x=2' }).authorization, 'bad_signature'],
    ['a changed method', () => sign({ method: 'GET' }).authorization, 'bad_signature'],
    ['a wrong secret', () => sign({ secret: 'nope' }).authorization, 'bad_signature'],
    [
      'a truncated signature',
      () => sign().authorization.replace(/signature="(.{10})[^"]*"/, 'signature="$1"'),
      'bad_signature',
    ],
    [
      'a timestamp six minutes old',
      () => sign({ clock: () => now - 360_000 }).authorization,
      'stale_timestamp',
    ],
    [
      'a timestamp six minutes ahead',
      () => sign({ clock: () => now + 360_000 }).authorization,
      'stale_timestamp',
    ],
  ];
  for (const [name, header, reason] of refusals) {
    it(`refuses ${name} and says why`, () => {
      const result = verify(header());
      assert.equal(result.ok, false);
      assert.equal(result.ok ? '' : result.reason, reason);
    });
  }

  it('parses the header fields', () => {
    const parsed = parseHmacHeader(sign().authorization);
    assert.ok(parsed.ok);
    assert.equal(parsed.header.clientId, 'client-1');
    assert.equal(parsed.header.timestamp, String(now / 1000));
  });
});

describe('query normalization against a byte-wise reference', () => {
  // The rule of design.md 3.1 written the slow, obvious way: decode to bytes, re-encode each byte.
  function reference(component: string): string {
    const raw = Buffer.from(component, 'utf8');
    const bytes: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      const b = raw[i]!;
      const hex = (c: number | undefined) => c !== undefined && /[0-9A-Fa-f]/.test(String.fromCharCode(c));
      if (b === 0x2b) bytes.push(0x20);
      else if (b === 0x25 && hex(raw[i + 1]) && hex(raw[i + 2])) {
        bytes.push(Number.parseInt(String.fromCharCode(raw[i + 1]!, raw[i + 2]!), 16));
        i += 2;
      } else bytes.push(b);
    }
    return bytes
      .map((b) =>
        /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) && b < 128
          ? String.fromCharCode(b)
          : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
      )
      .join('');
  }

  it('agrees on any component, including %, +, non-ASCII and lone surrogates', () => {
    const piece = fc.string({
      maxLength: 24,
      unit: fc.constantFrom(
        'a',
        'Z',
        '0',
        '-',
        '~',
        '%',
        '+',
        '2',
        'f',
        'G',
        ' ',
        ':',
        '/',
        'é',
        '😀',
        '\ud800',
        '=',
        '*',
      ),
    });
    fc.assert(
      fc.property(piece, (value) => {
        const url = `https://a.b/?x=${value.replaceAll('&', '').replaceAll('#', '').replaceAll('=', '')}`;
        const v = url.slice('https://a.b/?x='.length);
        const line = normalizeQuery(url)[0];
        assert.equal(line, `x=${reference(v)}`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('URL validation', () => {
  it('accepts what the URL parser accepts and refuses what it refuses', () => {
    const cases = [
      'https://a.b',
      'https://a.b/',
      'http://a.b:8080/x?y#z',
      'https://a.b:99999/',
      'https://.a/',
      'https://a./x',
      'https://a..b/',
      'http://:80/',
      'https://a b/',
      'ftp://a.b/',
      'https://a.b?x',
      'https://[::1]:8080/',
      'https://a.b:/',
      'mailto:x@y',
      'https://a.b\\x',
    ];
    for (const url of cases) {
      const parses = URL.canParse(url);
      let signed = true;
      try {
        normalizeRequest({ key: 'k', timestamp: 1, nonce: 'n', method: 'GET', url });
      } catch {
        signed = false;
      }
      assert.equal(signed, parses, url);
    }
  });
});

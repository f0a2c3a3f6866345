import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeReturnTo } from '../src/index.js';

const base = 'https://app.example.edu';

describe('safeReturnTo', () => {
  const kept: Array<[string, string]> = [
    ['/records/823520553', '/records/823520553'],
    ['/search?q=a+b#top', '/search?q=a+b#top'],
    ['https://app.example.edu/page', '/page'],
    ['page', '/page'],
  ];
  for (const [input, expected] of kept) {
    it(`keeps ${input}`, () => assert.equal(safeReturnTo(input, base), expected));
  }
  const refused = [
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    '\\\\evil.example',
    '/%5Cevil.example',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '/ok%0d%0aSet-Cookie:x=1',
    '/ok\r\nLocation: https://evil',
    'http://app.example.edu/page',
    'https://app.example.edu:444/',
    'https://app.example.edu.evil.example/',
    `/${'a'.repeat(3000)}`,
    '%E0%A4%A',
    '',
  ];
  for (const input of refused) {
    it(`refuses ${JSON.stringify(input.slice(0, 40))}`, () => assert.equal(safeReturnTo(input, base), '/'));
  }
  it('refuses non-strings', () => {
    assert.equal(safeReturnTo(['/a'], base), '/');
    assert.equal(safeReturnTo({ a: 1 }, base), '/');
    assert.equal(safeReturnTo(undefined, base), '/');
  });
});

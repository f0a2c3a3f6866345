// The built package loads by its own name through the exports map, with import and with require().
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { VERSION } from '../src/index.js';

const root = new URL('..', import.meta.url);

function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

describe('package', () => {
  it('imports by name as ESM', () => {
    const out = runNode([
      '--input-type=module',
      '-e',
      "import { signRequest, createOclcClient, OclcError } from 'oclc-auth-express'; console.log(typeof signRequest, typeof createOclcClient, typeof OclcError)",
    ]);
    assert.equal(out.trim(), 'function function function');
  });

  it('requires by name as CommonJS', () => {
    const out = runNode([
      '--input-type=commonjs',
      '-e',
      "const m = require('oclc-auth-express'); const s = m.signRequest({ key: 'k', secret: 's', method: 'GET', url: 'https://a.b/?x=1', timestamp: 1, nonce: 'n' }); console.log(typeof m.createOclcClient, s.signature)",
    ]);
    assert.match(out.trim(), /^function [A-Za-z0-9+/]{43}=$/);
  });

  it('ESM and CommonJS builds sign identically', () => {
    const input =
      "{ key: 'k', secret: 's', method: 'GET', url: 'https://a.b/?q=a+b', timestamp: 9, nonce: 'n' }";
    const esm = runNode([
      '--input-type=module',
      '-e',
      `import { signRequest } from 'oclc-auth-express'; console.log(signRequest(${input}).signature)`,
    ]);
    const cjs = runNode([
      '--input-type=commonjs',
      '-e',
      `console.log(require('oclc-auth-express').signRequest(${input}).signature)`,
    ]);
    assert.equal(esm, cjs);
  });

  it('ships type declarations for both and keeps VERSION in step with package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
    assert.equal(pkg.name, 'oclc-auth-express');
    assert.equal(VERSION, pkg.version);
    for (const condition of ['import', 'require']) {
      const types = pkg.exports['.'][condition].types as string;
      assert.ok(readFileSync(new URL(types, root), 'utf8').includes('signRequest'));
    }
  });
});

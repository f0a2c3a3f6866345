// Every ```js block in the README runs as written (against the built package, by its own name).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const root = new URL('..', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README', () => {
  it('has runnable snippets and names the two commands', () => {
    assert.ok(blocks.length > 0);
    assert.ok(readme.includes('npm test') && readme.includes('npm start'));
  });

  for (const [i, code] of blocks.entries()) {
    it(`snippet ${i + 1} runs`, () => {
      const dir = new URL('test-results/readme/', root);
      mkdirSync(dir, { recursive: true });
      const file = new URL(`snippet-${i + 1}.mjs`, dir);
      writeFileSync(file, code);
      const out = execFileSync(process.execPath, [file.pathname], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.ok(out.length > 0, 'prints something');
    });
  }
});

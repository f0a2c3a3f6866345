// Builds the package twice: ESM (dist/esm) and CommonJS (dist/cjs), each folder marked with its
// module type so that `import` and `require()` both load a native build.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const [config, dir, type] of [
  ['tsconfig.build.json', 'esm', 'module'],
  ['tsconfig.cjs.json', 'cjs', 'commonjs'],
]) {
  execFileSync(process.execPath, [tsc, '-p', join(root, config)], { stdio: 'inherit', cwd: root });
  writeFileSync(join(root, 'dist', dir, 'package.json'), `${JSON.stringify({ type }, null, 2)}\n`);
  if (type === 'commonjs') {
    // import.meta is ESM-only; the CommonJS build finds its data files from __filename instead.
    writeFileSync(
      join(root, 'dist', dir, 'simulator', 'module-url.js'),
      "'use strict';\nObject.defineProperty(exports, '__esModule', { value: true });\nexports.moduleUrl = require('node:url').pathToFileURL(__filename).href;\n",
    );
  }
  // Data files (simulator records) are read at run time from next to the code.
  const data = join(root, 'src', 'simulator', 'data');
  if (existsSync(data)) {
    mkdirSync(join(root, 'dist', dir, 'simulator'), { recursive: true });
    cpSync(data, join(root, 'dist', dir, 'simulator', 'data'), { recursive: true });
  }
}

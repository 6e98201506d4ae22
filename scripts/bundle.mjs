// Bundles the CLI, after tsc has type-checked and compiled dist/ (which scripts and the conformance
// harness import module by module): dist/tfdoctor.mjs (package.json's bin) holds the program and the
// command table; each command's code, with its dependencies, is one chunk in dist/bundle/ that loads
// when that command runs (code splitting at the table's dynamic imports). A single file would make
// every start-up, --version included, compile all of it and load every Node built-in any command uses.
// The native / wasm runtimes of --verify stay external: they load their own files beside them.
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}dist/tfdoctor.mjs`;
rmSync(`${root}dist/bundle`, { recursive: true, force: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: { tfdoctor: 'src/cli/main.ts' },
  outdir: `${root}dist`,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'bundle/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['onnxruntime-node', '@litertjs/core'],
  // CommonJS dependencies (commander) require Node built-ins: give the bundle a real require
  banner: { js: "import { createRequire as __tfdoctorCreateRequire } from 'node:module';\nconst require = __tfdoctorCreateRequire(import.meta.url);" },
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);

// package.json's bin: a CommonJS launcher. Node starts an ES module entry about 40 ms slower than a CommonJS
// one (the ESM loader), which is all of `tfdoctor --version`'s time; the launcher answers --version itself and
// hands everything else to the ES module bundle.
const launcher = `${root}dist/tfdoctor.cjs`;
writeFileSync(launcher, `#!/usr/bin/env node
'use strict';
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = require('node:fs');
  const { join } = require('node:path');
  process.stdout.write(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version + '\\n');
} else {
  import('./tfdoctor.mjs').catch((err) => {
    process.stderr.write('tfdoctor: could not load its program (' + (err && err.message ? err.message : err) + '); reinstall tfdoctor\\n');
    process.exitCode = 2;
  });
}
`);
chmodSync(launcher, 0o755);
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
const files = Object.keys(result.metafile.outputs).length;
process.stdout.write(`bundled dist/tfdoctor.mjs and ${files - 1} chunks in dist/bundle/ (${(bytes / 1024).toFixed(0)} KiB in all)\n`);

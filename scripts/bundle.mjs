// Bundles the CLI, after tsc has type-checked and compiled dist/ (which scripts and the conformance
// harness import module by module):
// - dist/bundle/tfdoctor-<hash>.cjs, the program: one CommonJS file (src/cli/main.ts and everything it
//   imports). esbuild wraps each module that is imported dynamically (a command, the probe, the
//   predictor, ...) in an init function, so a module's body and the Node built-ins it requires run
//   only when it is first used. CommonJS because Node's ES module loader costs tens of ms a start and
//   because V8's code cache (src/cli/code-cache.ts) takes a script, not a module. The content hash in
//   the name keys that cache (V8 checks only the source's length).
// - dist/bundle/tfdoctor-convert-<hash>.cjs, the same program for `tfdoctor convert`: the other
//   commands' modules (check, fix, lock, patch: the resolver, the env probe, the matrix) are left out,
//   so a conversion reads and deserialises about half the code (~10 ms of its start). The command
//   table still lists every command; only the named command's module loads, so the stand-ins that
//   replace the others never run.
// - dist/tfdoctor.cjs, the Node entry (src/cli/launcher.ts): answers --version, runs the program (or,
//   for convert, the convert program) through the code cache. bin/tfdoctor (package.json's bin) execs it.
// - dist/tfdoctor.mjs: the same program for callers that name the ES module entry of earlier builds.
// The native / wasm runtimes of --verify stay external: they load their own files beside them.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist/bundle`, { recursive: true, force: true });
const common = { absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs', target: 'node20', legalComments: 'none', metafile: true, logLevel: 'warning' };

// commander requires child_process at load for one case tfdoctor never uses (executable subcommands);
// child_process (with net, dgram, streams) then loaded at every start. Commander gets a stand-in that
// requires it on first use. Every other require of it is tfdoctor's own, in modules that run children.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (/[\\/]commander[\\/]/.test(args.importer)
      ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      loader: 'js',
      contents: "let real;\nmodule.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });\n",
    }));
  },
};

// for the convert program: the other commands' modules as stand-ins (never loaded: see above)
const OTHER_COMMANDS = /^\.\/commands\/(check|fix|lock|patch)\.js$/;
const otherCommandsLeftOut = {
  name: 'other-commands-left-out',
  setup(b) {
    b.onResolve({ filter: OTHER_COMMANDS }, (args) => (/[\\/]src[\\/]cli$/.test(args.resolveDir) ? { path: args.path, namespace: 'left-out' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      loader: 'js',
      contents: `export function define() { throw new Error(${JSON.stringify(`${args.path} is not in the convert program`)}); }\n`,
    }));
  },
};

const programOptions = {
  ...common,
  entryPoints: { tfdoctor: 'src/cli/main.ts' },
  outdir: `${root}dist/bundle`,
  entryNames: '[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  external: ['onnxruntime-node', '@litertjs/core'],
  // modules that find their files (package root, yaml, the LiteRT wasm folder) from import.meta.url
  // (__tfdoctorModuleUrl is declared below, with the import function)
  define: { 'import.meta.url': '__tfdoctorModuleUrl' },
};
const program = await build({ ...programOptions, plugins: [lazyChildProcessForCommander] });
const convertProgram = await build({
  ...programOptions,
  entryPoints: { 'tfdoctor-convert': 'src/cli/main.ts' },
  plugins: [lazyChildProcessForCommander, otherCommandsLeftOut],
});
const outputName = (result) => Object.keys(result.metafile.outputs)[0];
const programName = outputName(program).slice('dist/'.length);
const convertProgramName = outputName(convertProgram).slice('dist/'.length);

// Node runs no import() inside a vm.Script without an experimental flag: the bundle's dynamic imports
// (all of external packages: esbuild bundled the rest) call the launcher's import instead, handed in
// as a wrapper parameter (src/cli/code-cache.ts); required by Node's own loader, it uses its own.
const EXPECTED_IMPORTS = ['import("@litertjs/core")', 'import("onnxruntime-node")', 'import(specifier)'];
const IMPORT_CALL = /(?<![\w$.])import\(/g;
for (const programFile of [outputName(program), outputName(convertProgram)]) {
  const text = readFileSync(`${root}${programFile}`, 'utf8');
  const found = [...text.matchAll(/(?<![\w$.])import\([^)]*\)/g)].map((m) => m[0]).sort();
  // the convert program holds a subset of the program's modules, so of its imports
  const expected = programFile === outputName(program) ? EXPECTED_IMPORTS : EXPECTED_IMPORTS.filter((i) => found.includes(i));
  if (JSON.stringify(found) !== JSON.stringify(expected)) {
    throw new Error(`${programFile}: the program bundle's dynamic imports changed (${found.join(', ')}): check each loads an external package, then update EXPECTED_IMPORTS`);
  }
  // the hashbang and "use strict" stay first (a directive counts only there)
  const lines = text.split('\n');
  const head = [];
  if (lines[0].startsWith('#!')) head.push(lines.shift());
  if (lines[0] === '"use strict";') head.push(lines.shift());
  writeFileSync(`${root}${programFile}`, [...head,
    'var __tfdoctorModuleUrl = require("node:url").pathToFileURL(__filename).href;',
    'var __tfdoctorImport = typeof __tfdoctorLauncherImport === "function" ? __tfdoctorLauncherImport : (specifier) => import(specifier);',
    lines.join('\n').replace(IMPORT_CALL, '__tfdoctorImport(')].join('\n'));
}

const launcher = await build({
  ...common,
  entryPoints: ['src/cli/launcher.ts'],
  outfile: `${root}dist/tfdoctor.cjs`,
  define: { TFDOCTOR_PROGRAM_BUNDLE: JSON.stringify(programName), TFDOCTOR_CONVERT_BUNDLE: JSON.stringify(convertProgramName) },
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync(`${root}dist/tfdoctor.cjs`, 0o755);

writeFileSync(`${root}dist/tfdoctor.mjs`, `#!/usr/bin/env node
// The ES module entry of earlier builds: runs the same program as dist/tfdoctor.cjs.
import { createRequire } from 'node:module';
createRequire(import.meta.url)('./tfdoctor.cjs');
`);
chmodSync(`${root}dist/tfdoctor.mjs`, 0o755);

const kib = (r) => (Object.values(r.metafile.outputs).reduce((n, o) => n + o.bytes, 0) / 1024).toFixed(0);
process.stdout.write(`bundled ${outputName(program)} (${kib(program)} KiB), ${outputName(convertProgram)} (${kib(convertProgram)} KiB) and dist/tfdoctor.cjs (${kib(launcher)} KiB)\n`);

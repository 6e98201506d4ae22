// Start-up: each command's code loads only when that command runs. Observed with a loader hook that
// logs every module the process loads on tsc's module-per-file dist/ (the import graph), and, on the
// bundled bin (one CommonJS program file whose modules initialise on first use, and a smaller one
// without the other commands for convert: scripts/bundle.mjs),
// through the Node built-ins and files a run loads. Needs `npm run build` (as the other built-binary
// tests do).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/command-table.js';
import { commandNamed } from '../../src/cli/program.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const hook = fileURLToPath(new URL('./fixtures/record-loads.mjs', import.meta.url));
// the Node entry bin/tfdoctor (package.json's bin, a sh launcher) execs
const bundle = join(root, 'dist/tfdoctor.cjs');

/** Runs a built entry with `args`; returns stdout and the package-relative paths of the modules it loaded. */
function loads(entry: string, args: string[]): { stdout: string; files: string[] } {
  const log = join(mkdtempSync(join(tmpdir(), 'tfdoctor-loads-')), 'loads.txt');
  const r = spawnSync(process.execPath, ['--import', hook, entry, ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, TFDOCTOR_LOAD_LOG: log }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  // check exits 1 when it finds errors (the demo env has some); 2 or a signal is a failure here
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')}: exit ${r.status ?? r.signal}: ${r.stderr}`);
  const stdout = r.stdout;
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const files = urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)).filter((p) => p !== hook)
    .map((p) => (p.startsWith(root) ? p.slice(root.length) : p));
  return { stdout, files };
}

const heavy = /^dist\/(cli\/commands|convert|env|diagnose|matrix|patch|fix|verify|optables|onnx|report)\//;

describe('lazy command loading (tsc output, one module per file)', () => {
  const main = join(root, 'dist/cli/main.js');

  it('--version loads no dependency at all; --help no command code and no dependency but commander', () => {
    for (const args of [['--version'], ['--help']]) {
      const { stdout, files } = loads(main, args);
      expect(stdout).toMatch(args[0] === '--version' ? /^\d+\.\d+\.\d+/ : /Commands:[\s\S]*convert/);
      expect(files.filter((f) => heavy.test(f)), args.join(' ')).toEqual([]);
      const deps = new Set(files.filter((f) => f.includes('node_modules/')).map((f) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(f)![1]));
      expect([...deps]).toEqual(args[0] === '--version' ? [] : ['commander']);
      if (args[0] === '--version') expect(files.filter((f) => f.startsWith('dist/cli/program'))).toEqual([]);
    }
  });

  it('`check --help` loads check and not convert or fix', () => {
    const { stdout, files } = loads(main, ['check', '--help']);
    expect(stdout).toContain('--requirements <file>');
    expect(files).toContain('dist/cli/commands/check.js');
    expect(files.filter((f) => /^dist\/(cli\/commands\/(convert|fix)\.js$|convert\/|fix\/)/.test(f))).toEqual([]);
  });
});

describe('the bundled bin (dist/tfdoctor.cjs and the program bundle)', () => {
  const recorder = fileURLToPath(new URL('./fixtures/record-builtins.cjs', import.meta.url));

  /** Runs the Node entry; returns stdout, the Node built-ins and the CommonJS files the process loaded. */
  function run(args: string[], cache: string) {
    const log = join(mkdtempSync(join(tmpdir(), 'tfdoctor-builtins-')), 'loads.json');
    const r = spawnSync(process.execPath, ['-r', recorder, bundle, ...args], {
      cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TFDOCTOR_BUILTINS_LOG: log, TFDOCTOR_CACHE_DIR: cache },
    });
    if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')}: exit ${r.status ?? r.signal}: ${r.stderr}`);
    const loaded = JSON.parse(readFileSync(log, 'utf8')) as { builtins: string[]; files: string[] };
    return { stdout: r.stdout, stderr: r.stderr, builtins: new Set(loaded.builtins), files: loaded.files.map((f) => (f.startsWith(root) ? f.slice(root.length) : f)) };
  }
  const freshCache = () => mkdtempSync(join(tmpdir(), 'tfdoctor-cache-'));
  const demo = ['check', '--requirements', 'examples/seed-env.txt', '--python-version', '3.10', '--json'];
  // what only running children, hashing or async file I/O needs (net loads anyway: stdout is a pipe here)
  const heavyBuiltins = ['child_process', 'crypto', 'fs/promises', 'zlib'];

  it('--version reads package.json only: neither the program nor the code cache', () => {
    const cache = freshCache();
    const r = run(['--version'], cache);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(['vm', 'os', ...heavyBuiltins].filter((b) => r.builtins.has(b))).toEqual([]);
    expect(existsSync(join(cache, 'code-cache'))).toBe(false);
  });

  it('--help runs the program but loads no built-in a command needs', () => {
    // the second run: the first also writes the code cache
    const cache = freshCache();
    run(['--help'], cache);
    const r = run(['--help'], cache);
    expect(r.stdout).toMatch(/Commands:[\s\S]*convert/);
    expect(heavyBuiltins.filter((b) => r.builtins.has(b))).toEqual([]);
  });

  it('convert writes its .tflite without loading a built-in it does not use (hashing, async file I/O, zlib, perf_hooks)', () => {
    // the second run: the first also writes the code cache
    const cache = freshCache();
    const out = join(mkdtempSync(join(tmpdir(), 'tfdoctor-convert-')), 'mean-head.tflite');
    const args = ['convert', 'test/fixtures/model/mean-head.opset18.onnx', '-o', out, '--quiet'];
    run(args, cache);
    const r = run(args, cache);
    expect(r.stdout).toMatch(/^wrote .*mean-head\.tflite: 4 TFLite ops/);
    expect(statSync(out).size).toBeGreaterThan(0);
    expect([...heavyBuiltins, 'perf_hooks'].filter((b) => r.builtins.has(b))).toEqual([]);
    // it ran the convert program (the other commands left out), whose code cache carries its name
    expect(readdirSync(join(cache, 'code-cache'))).toEqual([expect.stringMatching(/^tfdoctor-convert-\w+-node.*-convert-flags[0-9a-f]{8}\.bin$/)]);
  });

  it('the convert program holds the converter but not the other commands (their modules are stand-ins that say so)', () => {
    const names = readdirSync(join(root, 'dist/bundle'));
    const convertProgram = names.find((n) => /^tfdoctor-convert-\w+\.cjs$/.test(n));
    const program = names.find((n) => /^tfdoctor-\w+\.cjs$/.test(n) && n !== convertProgram);
    const text = (n: string | undefined) => readFileSync(join(root, 'dist/bundle', n!), 'utf8');
    for (const command of ['check', 'fix', 'lock', 'patch']) {
      expect(text(convertProgram)).toContain(`./commands/${command}.js is not in the convert program`);
      expect(text(program)).toContain(`// src/cli/commands/${command}.ts`);
    }
    expect(text(convertProgram)).toContain('// src/cli/commands/convert.ts');
    expect(text(convertProgram).length).toBeLessThan(text(program).length * 0.7);
  });

  it('check loads no child_process (commander gets it on use) and, with its caches warm, neither yaml nor a --verify runtime', () => {
    const cache = freshCache();
    const first = run(demo, cache);
    expect((JSON.parse(first.stdout) as { routes: unknown[] }).routes.length).toBeGreaterThan(0);
    const again = run(demo, cache);
    expect(again.stdout).toBe(first.stdout);
    expect(again.builtins.has('child_process')).toBe(false);
    expect(again.files.filter((f) => /node_modules\/(yaml|onnxruntime-node|@litertjs)\//.test(f))).toEqual([]);
    // the program is one file, run through the code cache, not required
    expect(again.files.filter((f) => f.startsWith('dist/'))).toEqual(['dist/tfdoctor.cjs']);
  });

  it('writes a code cache per command on the first run and keeps it while V8 accepts it', () => {
    const cache = freshCache();
    run(demo, cache);
    const [file, ...others] = readdirSync(join(cache, 'code-cache'));
    expect(others).toEqual([]);
    // these runs start Node with --import (the load recorder): a flag set, so the name carries its hash
    expect(file).toMatch(new RegExp(`^tfdoctor-\\w+-node${process.version.slice(1).replace(/\./g, '\\.')}-${process.arch}-check-flags[0-9a-f]{8}\\.bin$`));
    const before = statSync(join(cache, 'code-cache', file!));
    const again = run(demo, cache);
    expect(JSON.parse(again.stdout)).toBeTruthy();
    expect(statSync(join(cache, 'code-cache', file!)).mtimeMs).toBe(before.mtimeMs);
    // and runs without one as well
    const off = spawnSync(process.execPath, [bundle, ...demo], { cwd: root, encoding: 'utf8', env: { ...process.env, TFDOCTOR_CACHE_DIR: cache, TFDOCTOR_NO_CODE_CACHE: '1' } });
    expect(off.stdout).toBe(again.stdout);
  });
});

describe('command table', () => {
  it('names the command in the arguments, `help NAME` included', () => {
    expect(commandNamed(['check', '--venv', 'x'])).toBe('check');
    expect(commandNamed(['-v', 'convert', 'm.onnx'])).toBe('convert');
    expect(commandNamed(['help', 'fix'])).toBe('fix');
    expect(commandNamed(['--version'])).toBeUndefined();
  });

  it('every entry loads a module that defines its command', async () => {
    for (const entry of COMMANDS) expect(typeof (await entry.load()).define, entry.name).toBe('function');
  });
});

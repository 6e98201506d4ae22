// Start-up: each command's code loads only when that command runs. Observed with a loader hook that
// logs every module the process loads: on tsc's module-per-file dist/ (the import graph the bundle is
// split along) and on the bundle itself, whose entry and chunks must be all the code a run loads.
// Needs `npm run build` (as the other built-binary tests do).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

describe('the bundled bin', () => {
  const ownFiles = (files: string[]) => files.filter((f) => !f.startsWith('node_modules/yaml/'));

  /** The entry and the chunks it imports statically (transitively): what must load before any dynamic import. */
  function staticClosure(file: string, seen = new Set<string>()): Set<string> {
    seen.add(file.slice(root.length));
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|^import\s*)"(\.\.?\/[^"]+\.mjs)"/gm)) {
      const dep = join(dirname(file), m[1]!);
      if (!seen.has(dep.slice(root.length))) staticClosure(dep, seen);
    }
    return seen;
  }

  it('--version loads the entry and its static imports only; --help adds the program, no command chunk', () => {
    const closure = staticClosure(bundle);
    expect(new Set(loads(bundle, ['--version']).files)).toEqual(closure);
    const help = loads(bundle, ['--help']).files;
    expect(help.filter((f) => !closure.has(f)).length).toBeGreaterThan(0);
    for (const f of [...closure]) expect(help).toContain(f);
    expect([...closure, ...help].filter((f) => /^dist\/bundle\/(check|fix|patch|convert|lock)-/.test(f))).toEqual([]);
    expect(help.filter((f) => f.startsWith('node_modules/'))).toEqual([]);
  });

  it('a command loads its own chunks and nothing else of the package or its dependencies', () => {
    const { stdout, files } = loads(bundle, ['check', '--requirements', 'examples/seed-env.txt', '--python-version', '3.10', '--json']);
    expect((JSON.parse(stdout) as { routes: unknown[] }).routes.length).toBeGreaterThan(0);
    // data files (matrix/, patches/) are read, not imported; yaml loads only on a parse-cache miss
    const own = ownFiles(files);
    expect(own.every((f) => f === 'dist/tfdoctor.cjs' || f === 'dist/tfdoctor.mjs' || f.startsWith('dist/bundle/')), own.join(' ')).toBe(true);
    expect(own.some((f) => /^dist\/bundle\/check-/.test(f))).toBe(true);
    expect(own.filter((f) => /^dist\/bundle\/(convert|fix|verify)-/.test(f))).toEqual([]);
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

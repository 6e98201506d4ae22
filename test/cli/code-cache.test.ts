// The program bundle through V8's code cache (src/cli/code-cache.ts), in real Node processes: the first
// run compiles and stores, the next uses it, a damaged cache is rejected and replaced, and a cache
// folder that cannot be written costs nothing but speed. Needs `npm run build` (dist/cli/code-cache.js).
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeCacheFile } from '../../src/cli/code-cache.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bundle = join(root, 'test/cli/fixtures/code-cache-bundle.cjs');
const compiled = join(root, 'dist/cli/code-cache.js');

/** Runs the fixture bundle through runBundle in a fresh Node; returns its output and the cache state. */
function run(cacheFile: string | null): { out: string; state: string } {
  // the state goes to stderr at exit, after the bundle's own output
  const script = `import(${JSON.stringify(compiled)}).then((m) => {
    const state = m.runBundle(${JSON.stringify(bundle)}, ${JSON.stringify(cacheFile)});
    process.on('exit', () => process.stderr.write(state));
  });`;
  const r = spawnSync(process.execPath, ['-e', script],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return { out: r.stdout, state: r.stderr };
}

describe('runBundle', () => {
  const expected = 'code-cache-bundle.cjs fixtures / 6765\n';

  it('stores the code after the first run and uses it in the next', () => {
    const file = codeCacheFile(mkdtempSync(join(tmpdir(), 'tfdoctor-cc-')), bundle, 'check');
    expect(run(file)).toEqual({ out: expected, state: 'absent' });
    expect(existsSync(file)).toBe(true);
    expect(run(file)).toEqual({ out: expected, state: 'used' });
  });

  it('rejects a damaged cache, runs anyway and replaces it', () => {
    const file = codeCacheFile(mkdtempSync(join(tmpdir(), 'tfdoctor-cc-')), bundle, 'check');
    run(file);
    const good = readFileSync(file);
    writeFileSync(file, Buffer.alloc(good.length, 7));
    expect(run(file)).toEqual({ out: expected, state: 'rejected' });
    expect(readFileSync(file).equals(Buffer.alloc(good.length, 7))).toBe(false);
    expect(run(file).state).toBe('used');
  });

  it('runs when the cache folder cannot be created (a file is in the way), and without a cache', () => {
    const blocker = join(mkdtempSync(join(tmpdir(), 'tfdoctor-cc-')), 'a-file');
    writeFileSync(blocker, '');
    const file = codeCacheFile(blocker, bundle, 'check');
    expect(run(file)).toEqual({ out: expected, state: 'absent' });
    expect(run(file).state).toBe('absent');
    expect(run(null)).toEqual({ out: expected, state: 'off' });
  });

  // changing a file's owner needs root (CI and this machine run as root)
  it.skipIf(process.getuid?.() !== 0)("ignores a cache file another user owns, and replaces it with its own", () => {
    const file = codeCacheFile(mkdtempSync(join(tmpdir(), 'tfdoctor-cc-')), bundle, 'check');
    run(file);
    chownSync(file, 12345, 12345);
    expect(run(file)).toEqual({ out: expected, state: 'absent' });
    expect(statSync(file).uid).toBe(0);
    expect(run(file).state).toBe('used');
  });

  it('stores nothing after a run that ends in a usage error (exit 2)', () => {
    const file = codeCacheFile(mkdtempSync(join(tmpdir(), 'tfdoctor-cc-')), bundle, 'nosuch');
    const script = `import(${JSON.stringify(compiled)}).then((m) => { m.runBundle(${JSON.stringify(bundle)}, ${JSON.stringify(file)}); process.exitCode = 2; });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe(expected);
    expect(existsSync(file)).toBe(false);
  });

  it('names the cache by bundle, Node version, architecture and command', () => {
    const file = codeCacheFile('/c', '/p/dist/bundle/tfdoctor-ABC123.cjs', 'check', []);
    expect(file).toBe(`/c/code-cache/tfdoctor-ABC123-node${process.version.slice(1)}-${process.arch}-check.bin`);
  });

  it('keeps one cache per set of Node flags (V8 rejects a cache made under other flags)', () => {
    const plain = codeCacheFile('/c', '/p/dist/bundle/tfdoctor-ABC123.cjs', 'convert', []);
    const young = codeCacheFile('/c', '/p/dist/bundle/tfdoctor-ABC123.cjs', 'convert', ['--min-semi-space-size=16']);
    const profiled = codeCacheFile('/c', '/p/dist/bundle/tfdoctor-ABC123.cjs', 'convert', ['--min-semi-space-size=16', '--cpu-prof']);
    expect(young).toMatch(/-convert-flags[0-9a-f]{8}\.bin$/);
    expect(new Set([plain, young, profiled]).size).toBe(3);
    expect(codeCacheFile('/c', '/p/dist/bundle/tfdoctor-ABC123.cjs', 'convert', ['--min-semi-space-size=16'])).toBe(young);
  });
});

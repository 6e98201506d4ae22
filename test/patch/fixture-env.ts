// Builds a small environment in the real on-disk formats: a venv folder (pyvenv.cfg, bin/python
// linked to this machine's python3 when there is one) whose site-packages holds the demo package
// from test/fixtures/patch/site with a .dist-info (METADATA, WHEEL, INSTALLER, RECORD with
// urlsafe-base64 sha256 entries as pip writes them).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvSnapshot } from '../../src/env/types.js';

const here = dirname(fileURLToPath(import.meta.url));
export const fixtureRoot = join(here, '..', 'fixtures', 'patch');
export const fixtureCatalogue = join(fixtureRoot, 'patches');

export interface FixtureEnv {
  prefix: string;
  site: string;
  /** the interpreter inside the venv, when python3 exists on this machine */
  python: string | null;
  pythonVersion: string;
}

function recordHash(bytes: Buffer): string {
  return `sha256=${createHash('sha256').update(bytes).digest('base64url')}`;
}

function systemPython(): { exe: string; version: string } | null {
  try {
    const out = execFileSync('python3', ['-c', 'import sys; print(sys.executable); print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    const [exe, version] = out.trim().split('\n');
    return exe && version ? { exe, version } : null;
  } catch {
    return null;
  }
}

export function buildFixtureEnv(opts: { compile?: boolean } = {}): FixtureEnv {
  const py = systemPython();
  const version = py?.version ?? '3.11';
  const prefix = mkdtempSync(join(tmpdir(), 'tfdoctor-patch-env-'));
  const site = join(prefix, 'lib', `python${version}`, 'site-packages');
  mkdirSync(site, { recursive: true });
  mkdirSync(join(prefix, 'bin'));
  writeFileSync(join(prefix, 'pyvenv.cfg'), `home = ${py ? dirname(py.exe) : '/usr/bin'}\ninclude-system-site-packages = false\nversion = ${version}.0\n`);
  if (py) {
    symlinkSync(py.exe, join(prefix, 'bin', 'python'));
    symlinkSync('python', join(prefix, 'bin', 'python3'));
  }
  installDemoPackage(site);
  if (opts.compile && py) {
    // real bytecode caches, so the tests can see the stale ones of patched modules go
    execFileSync(join(prefix, 'bin', 'python'), ['-m', 'compileall', '-q', join(site, 'demo_pkg')]);
  }
  return { prefix, site, python: py ? join(prefix, 'bin', 'python') : null, pythonVersion: version };
}

/** Installs the demo package (sources + a pip-style .dist-info) into a site-packages folder. */
export function installDemoPackage(site: string): void {
  cpSync(join(fixtureRoot, 'site', 'demo_pkg'), join(site, 'demo_pkg'), { recursive: true });
  const distInfo = join(site, 'demo_pkg-1.0.0.dist-info');
  mkdirSync(distInfo);
  writeFileSync(join(distInfo, 'METADATA'), 'Metadata-Version: 2.1\nName: demo_pkg\nVersion: 1.0.0\nSummary: patch-engine fixture\nRequires-Python: >=3.8\n');
  writeFileSync(join(distInfo, 'WHEEL'), 'Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: true\nTag: py3-none-any\n');
  writeFileSync(join(distInfo, 'INSTALLER'), 'pip\n');
  writeFileSync(join(distInfo, 'top_level.txt'), 'demo_pkg\n');
  const rows: string[] = [];
  for (const file of [...walk(join(site, 'demo_pkg')), ...walk(distInfo)]) {
    const rel = relative(site, file).split('\\').join('/');
    const bytes = readFileSync(file);
    rows.push(`${rel},${recordHash(bytes)},${bytes.length}`);
  }
  rows.push('demo_pkg-1.0.0.dist-info/RECORD,,');
  writeFileSync(join(distInfo, 'RECORD'), `${rows.join('\n')}\n`);
}

export function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** sha256 over every path and file content (a symlink: its target text) under dir, __pycache__ left out. */
export function treeHash(dir: string): string {
  const h = createHash('sha256');
  for (const file of walk(dir)) {
    const rel = relative(dir, file);
    if (rel.split('/').includes('__pycache__')) continue;
    const st = lstatSync(file);
    const content = st.isSymbolicLink() ? Buffer.from(`symlink:${readlinkSync(file)}`) : readFileSync(file);
    h.update(rel).update('\0').update(content).update('\0').update(String(st.mode & 0o777)).update('\0');
  }
  return h.digest('hex');
}

/** The snapshot the probe gives for the fixture env, read from its RECORD (no Python needed). */
export function fixtureSnapshot(env: FixtureEnv): EnvSnapshot {
  const record = readFileSync(join(env.site, 'demo_pkg-1.0.0.dist-info', 'RECORD'), 'utf8');
  const files = record.split('\n').filter(Boolean).map((l) => l.split(',')[0]!);
  return {
    kind: 'venv',
    source: env.prefix,
    python: { version: `${env.pythonVersion}.0`, implementation: 'cpython', executable: env.python ?? join(env.prefix, 'bin', 'python') },
    platform: { system: 'linux', machine: 'x86_64' },
    prefix: env.prefix,
    sitePackages: [env.site],
    distributions: {
      'demo-pkg': {
        name: 'demo-pkg', displayName: 'demo_pkg', version: '1.0.0', installer: 'pip', location: env.site,
        metadataDir: join(env.site, 'demo_pkg-1.0.0.dist-info'), files, importPackages: ['demo_pkg'], requires: [], requiresPython: '>=3.8',
      },
    },
    shadowed: [],
    envVars: {},
    planned: false,
  };
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

// Shared setup for the env tests: the machine's real python3, and throwaway env folders built
// from the committed fixtures (venvs need an absolute interpreter link, so they cannot be committed).
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const fixtures = join(import.meta.dirname, '..', 'fixtures', 'env');

let cached: { executable: string; version: string } | undefined;
/** The machine's python3 (its real file, not a pyenv shim) and its X.Y. */
export function realPython(): { executable: string; version: string } {
  cached ??= (() => {
    const out = execFileSync('python3', ['-c', 'import os, sys; print(os.path.realpath(sys.executable)); print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
    const [executable, version] = out.trim().split('\n') as [string, string];
    return { executable, version };
  })();
  return cached;
}

export function tempDir(prefix = 'tfdoctor-env-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A venv (pyvenv.cfg + bin/python -> real python3, as `python -m venv` lays it out) whose site-packages is a copy of `sitePackagesFixture`. */
export function makeFixtureVenv(
  sitePackagesFixture = join(fixtures, 'site-packages'), { systemSite = false } = {},
): { dir: string; sitePackages: string; python: string } {
  const { executable, version } = realPython();
  const dir = join(tempDir(), 'venv');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  symlinkSync(executable, join(dir, 'bin', 'python'));
  writeFileSync(join(dir, 'pyvenv.cfg'), `home = ${dirname(executable)}\ninclude-system-site-packages = ${systemSite}\nversion = ${version}\n`);
  const sitePackages = join(dir, 'lib', `python${version}`, 'site-packages');
  mkdirSync(dirname(sitePackages), { recursive: true });
  cpSync(sitePackagesFixture, sitePackages, { recursive: true });
  return { dir, sitePackages, python: join(dir, 'bin', 'python') };
}

/** An executable shell script standing in for an interpreter that misbehaves. */
export function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

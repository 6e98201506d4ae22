// The probe run for real: the machine's python3 as the interpreter of a venv whose site-packages
// is the fixture tree (real dist-info formats), and interpreters that are missing, broken or hang.
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget } from '../../src/env/discover.js';
import { probeEnvironment } from '../../src/env/probe.js';
import type { EnvSnapshot } from '../../src/env/types.js';
import { UserError } from '../../src/util/errors.js';
import { fixtures, makeFixtureVenv, realPython, script, tempDir } from './helpers.js';

describe('probeEnvironment on a fixture venv', () => {
  let venv: ReturnType<typeof makeFixtureVenv>;
  let snap: EnvSnapshot;
  beforeAll(async () => {
    venv = makeFixtureVenv();
    snap = await probeEnvironment(await resolveTarget({ venv: venv.dir }, {}));
  });

  it('reports the venv as its prefix and site-packages', () => {
    expect(snap.kind).toBe('venv');
    expect(snap.prefix).toBe(venv.dir);
    expect(snap.sitePackages).toEqual([venv.sitePackages]);
    expect(snap.python.version.startsWith(`${realPython().version}.`)).toBe(true);
    expect(snap.python.executable).toBe(venv.python);
    expect(snap.planned).toBe(false);
  });

  it('reads every dist-info and egg-info, skipping pip leftovers', () => {
    expect(Object.keys(snap.distributions).sort()).toEqual(
      ['legacy-pkg', 'odd-pkg', 'oldstyle', 'onnx', 'onnx-tf', 'six', 'tensorflow', 'tensorflow-cpu'],
    );
    const onnxTf = snap.distributions['onnx-tf']!;
    expect(onnxTf).toMatchObject({
      displayName: 'onnx-tf', version: '1.10.0', installer: 'pip', location: venv.sitePackages,
      metadataDir: join(venv.sitePackages, 'onnx_tf-1.10.0.dist-info'),
      requires: ['onnx >=1.10.2', 'PyYAML', 'tensorflow-addons'], requiresPython: null, importPackages: ['onnx_tf'],
    });
    expect(onnxTf.files).toContain('onnx_tf/common/data_type.py');
    expect(onnxTf.files).toContain('../../../bin/onnx-tf');
    expect(snap.distributions['tensorflow-cpu']!.installer).toBe('uv');
    expect(snap.distributions['odd-pkg']!.installer).toBeNull();
    expect(snap.distributions['tensorflow']!.requires).toContain('nvidia-cublas-cu12==12.5.3.2; extra == "and-cuda"');
    expect(snap.distributions['six']!.requiresPython).toBe('>=2.7, !=3.0.*, !=3.1.*, !=3.2.*');
  });

  it('derives import packages from RECORD when there is no top_level.txt', () => {
    // tensorflow and tensorflow-cpu both provide `tensorflow`: the clash rules look for this
    expect(snap.distributions['tensorflow']!.importPackages).toEqual(['tensorflow']);
    expect(snap.distributions['tensorflow-cpu']!.importPackages).toEqual(['tensorflow']);
    expect(snap.distributions['six']!.importPackages).toEqual(['six']);
    // a quoted RECORD path with commas
    expect(snap.distributions['odd-pkg']!.files).toContain('odd_pkg/data,with,commas.py');
    expect(snap.distributions['odd-pkg']!.importPackages).toEqual(['odd_pkg']);
  });

  it('reads .egg-info folders and files', () => {
    expect(snap.distributions['legacy-pkg']).toMatchObject({
      version: '0.3', importPackages: ['legacy_pkg'],
      requires: ['numpy<2', 'pytest; extra == "test"', 'importlib-metadata; python_version < "3.8"'],
      files: ['legacy_pkg/__init__.py', 'legacy_pkg-0.3-py3.11.egg-info/PKG-INFO', 'legacy_pkg-0.3-py3.11.egg-info/top_level.txt'],
    });
    expect(snap.distributions['oldstyle']).toMatchObject({ version: '1.0', files: [] });
  });

  it('follows .pth path lines without running .pth code, and keeps the first of two same-named dists', () => {
    // extra.pth adds extra/ (holding onnx 1.16.2) after site-packages (onnx 1.19.0); its `import os; os._exit(7)` line must not run
    expect(snap.distributions['onnx']!.version).toBe('1.19.0');
    expect(snap.shadowed.map((d) => [d.name, d.version, d.location])).toEqual([['onnx', '1.16.2', join(venv.sitePackages, 'extra')]]);
  });

  it('reports only the behaviour-changing env vars', async () => {
    const target = await resolveTarget({ venv: venv.dir }, {});
    const before = { ...process.env };
    process.env.TF_USE_LEGACY_KERAS = '1';
    process.env.KERAS_BACKEND = 'tensorflow';
    process.env.SOME_OTHER_VAR = 'x';
    try {
      const s = await probeEnvironment(target);
      expect(s.envVars).toMatchObject({ TF_USE_LEGACY_KERAS: '1', KERAS_BACKEND: 'tensorflow' });
      expect(s.envVars['SOME_OTHER_VAR']).toBeUndefined();
    } finally {
      for (const k of ['TF_USE_LEGACY_KERAS', 'KERAS_BACKEND', 'SOME_OTHER_VAR']) if (!(k in before)) delete process.env[k];
    }
  });
});

describe('probeEnvironment sys.path like site.py builds it', () => {
  it('include-system-site-packages = true adds the base site-packages after the venv\'s', async () => {
    const venv = makeFixtureVenv(join(fixtures, 'conda-prefix', 'lib', 'python3.11', 'site-packages'), { systemSite: true });
    const snap = await probeEnvironment(await resolveTarget({ venv: venv.dir }, {}));
    const base = execFileSync(realPython().executable, ['-c', 'import site; print(site.getsitepackages()[0])'], { encoding: 'utf8' }).trim();
    expect(snap.sitePackages[0]).toBe(venv.sitePackages);
    expect(snap.sitePackages).toContain(base);
    expect(snap.distributions['numpy']!.location).toBe(venv.sitePackages);
  });

  it('PYTHONPATH entries come first and their distributions shadow site-packages ones', async () => {
    const venv = makeFixtureVenv(join(fixtures, 'conda-prefix', 'lib', 'python3.11', 'site-packages'));
    const extra = join(fixtures, 'site-packages', 'extra');
    const before = process.env.PYTHONPATH;
    process.env.PYTHONPATH = extra;
    try {
      const snap = await probeEnvironment(await resolveTarget({ venv: venv.dir }, {}));
      expect(snap.envVars['PYTHONPATH']).toBe(extra);
      expect(snap.distributions['onnx']).toMatchObject({ version: '1.16.2', location: extra });
      expect(snap.shadowed.map((d) => [d.name, d.version])).toEqual([['onnx', '1.19.0']]);
    } finally {
      if (before === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = before;
    }
  });
});

describe('probeEnvironment failures are one-line UserErrors', () => {
  const dir = tempDir();
  const target = (interpreter: string) => ({ kind: 'interpreter' as const, interpreter, description: interpreter });
  async function failure(interpreter: string, timeoutMs?: number): Promise<string> {
    try {
      await probeEnvironment(target(interpreter), timeoutMs ? { timeoutMs } : {});
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).not.toContain('\n');
      return (err as Error).message;
    }
    throw new Error('expected the probe to fail');
  }

  it('missing interpreter', async () => {
    expect(await failure(join(dir, 'no-such-python'))).toBe(`python at ${join(dir, 'no-such-python')} was not found`);
  });

  it('not executable', async () => {
    const file = join(dir, 'not-executable');
    writeFileSync(file, 'print(1)\n');
    chmodSync(file, 0o644);
    expect(await failure(file)).toBe(`${file} is not an executable program`);
  });

  it('not Python: a program that answers something else', async () => {
    expect(await failure('/bin/ls')).toMatch(/^\/bin\/ls does not look like a Python interpreter: it did not answer the probe \(it printed ".*probe\.py"\)$/);
    expect(await failure(script(dir, 'garbage', 'echo "hello from a fake python"'))).toMatch(/does not look like a Python interpreter.*hello from a fake python/);
  });

  it('broken: non-zero exit, with the last stderr line', async () => {
    expect(await failure('/bin/false')).toBe('python at /bin/false is broken: it exited with code 1');
    const broken = script(dir, 'broken', 'echo "Fatal Python error: init_fs_encoding" >&2; echo "ModuleNotFoundError: No module named \'encodings\'" >&2; exit 1');
    expect(await failure(broken)).toBe(`python at ${broken} is broken: it exited with code 1: ModuleNotFoundError: No module named 'encodings'`);
  });

  it('crashing', async () => {
    const crash = script(dir, 'crash', 'echo "Segmentation fault" >&2; kill -SEGV $$');
    expect(await failure(crash)).toBe(`python at ${crash} crashed (SIGSEGV): Segmentation fault`);
  });

  it('hanging: killed at the timeout', async () => {
    const hang = script(dir, 'hang', 'exec sleep 30');
    const started = Date.now();
    expect(await failure(hang, 700)).toBe(`python at ${hang} did not answer within 0.7 s`);
    // measured 704-723 ms (12 runs, load 9-11 on 2 cores)
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

// The deep probe with the machine's real python3, importing fixture modules that succeed, fail
// deep inside a package, load lazily, crash, exit silently or hang.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseOf, BASE_MODULES, deepProbe, defaultConcurrency, forkServerConcurrency, IMPORTS_ANYWAY, parseImportAnswer, ROUTE_MODULES, type ImportOutcome } from '../../src/env/deep-probe.js';
import { fixtures, realPython, tempDir } from './helpers.js';

const sitePackages = join(fixtures, 'deep-modules', 'site-packages');
const env = { PYTHONPATH: sitePackages };

describe('deepProbe', () => {
  it('imports each module in its own process and reports what happened', async () => {
    const seen: string[] = [];
    const results = await deepProbe(realPython().executable,
      ['okpkg', 'brokenpkg', 'lazypkg.distributions', 'crashpkg', 'exitpkg', 'not_installed_anywhere', 'json'],
      { env, concurrency: 3, timeoutMs: 30_000, onProgress: (o) => seen.push(o.module) });
    expect(Object.keys(results)).toEqual(['okpkg', 'brokenpkg', 'lazypkg.distributions', 'crashpkg', 'exitpkg', 'not_installed_anywhere', 'json']);
    expect(seen.sort()).toEqual(Object.keys(results).sort());

    // stdout chatter during the import does not spoil the answer
    expect(results['okpkg']).toMatchObject({ module: 'okpkg', ok: true, version: '1.2.3' });
    expect(results['okpkg']!.seconds).toBeGreaterThanOrEqual(0);

    const broken = results['brokenpkg']!;
    expect(broken.ok).toBe(false);
    expect(broken.error).toMatchObject({
      type: 'ModuleNotFoundError', message: "No module named 'keras_fixture_missing'", missingModule: 'keras_fixture_missing',
      lastLine: "ModuleNotFoundError: No module named 'keras_fixture_missing'",
      frame: { file: 'brokenpkg/utils/types.py', line: 2, function: '_load', distribution: 'brokenpkg', path: join(sitePackages, 'brokenpkg', 'utils', 'types.py') },
    });

    // a lazily loaded attribute is resolved (and fails) like `from lazypkg import distributions`
    expect(results['lazypkg.distributions']!.error).toMatchObject({ type: 'ImportError', message: 'lazypkg.distributions needs tf_keras_fixture_missing' });

    expect(results['crashpkg']!.error).toEqual({
      type: 'ProcessCrash', message: 'killed by SIGABRT: Fatal Python error: fixture crash', lastLine: 'Fatal Python error: fixture crash',
    });
    expect(results['exitpkg']!.error).toEqual({ type: 'ProcessCrash', message: 'exited with code 3 without an answer' });
    expect(results['not_installed_anywhere']!.error).toMatchObject({ type: 'ModuleNotFoundError', missingModule: 'not_installed_anywhere' });
    expect(results['not_installed_anywhere']!.error!.frame).toBeUndefined();
    expect(results['json']!.ok).toBe(true);
  });

  it('kills an import that hangs at the timeout', async () => {
    const started = Date.now();
    const results = await deepProbe(realPython().executable, ['hangpkg', 'okpkg'], { env, timeoutMs: 1500, concurrency: 1 });
    expect(results['hangpkg']).toMatchObject({ ok: false, timedOut: true, error: { type: 'Timeout', message: 'import hangpkg did not finish within 1.5 s' } });
    expect(results['okpkg']!.ok).toBe(true);
    // measured 1.8-2.2 s with okpkg's own import (12 runs, load 9-11 on 2 cores)
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a missing interpreter gives a crash outcome per module, not an exception', async () => {
    const results = await deepProbe('/nonexistent/python', ['onnx'], {});
    expect(results['onnx']).toMatchObject({ ok: false, error: { type: 'ProcessCrash', message: 'could not start ENOENT' } });
  });
});

describe('pool size and answers', () => {
  it('sizes the pool from free memory, at least 1, at most 2 per CPU', () => {
    const GB = 1024 ** 3;
    expect(defaultConcurrency(0.5 * GB, 2)).toBe(1);
    expect(defaultConcurrency(3.1 * GB, 8)).toBe(2);
    expect(defaultConcurrency(100 * GB, 2)).toBe(4);
  });

  it('leaves the fork server\'s base chain a CPU of its own: one import fewer than CPUs, at least 1', () => {
    const GB = 1024 ** 3;
    expect(forkServerConcurrency(100 * GB, 2)).toBe(1);
    expect(forkServerConcurrency(100 * GB, 1)).toBe(1);
    expect(forkServerConcurrency(100 * GB, 8)).toBe(7);
    expect(forkServerConcurrency(3.1 * GB, 8)).toBe(2);
  });

  it('reads a recorded answer and treats garbage as a crash', () => {
    const answer: ImportOutcome = { module: 'onnx', ok: true, seconds: 1.2, version: '1.19.0' };
    expect(parseImportAnswer('onnx', `${JSON.stringify(answer)}\n`, { exitCode: 0, elapsed: 1.3 })).toEqual(answer);
    expect(parseImportAnswer('onnx', 'not json', { exitCode: 0, stderr: 'boom\n', elapsed: 1 }).error)
      .toEqual({ type: 'ProcessCrash', message: 'exited with code 0 without an answer: boom', lastLine: 'boom' });
    // an answer for another module is not this module's answer
    expect(parseImportAnswer('onnx', JSON.stringify({ ...answer, module: 'torch' }), { exitCode: 0, elapsed: 1 }).ok).toBe(false);
  });

  it('covers the modules of every route', () => {
    for (const m of ['onnx', 'onnx_tf', 'onnx_tf.backend', 'tensorflow', 'keras', 'tf_keras', 'tensorflow_addons', 'tensorflow_probability',
      'torch', 'onnx2tf', 'ai_edge_litert', 'litert_torch', 'ai_edge_torch', 'onnxscript', 'onnxruntime']) {
      expect(ROUTE_MODULES).toContain(m);
    }
  });
});

describe('the fork server', () => {
  // fixture bases: countbase logs each import of itself; failbase fails after changing process state;
  // crashbase aborts the interpreter
  const base = {
    order: ['failbase', 'crashbase', 'countbase'],
    importsAnyway: {
      usesbase_a: ['countbase'], usesbase_b: ['countbase'], usesbase_c: ['countbase'], usesbase_crash: ['countbase'],
      afterfail: ['failbase'], aftercrash: ['crashbase'], usesbase_pkg: ['countbase'],
    },
  };

  function countEnv(): { env: Record<string, string>; imports: () => number } {
    const file = join(tempDir(), 'count.txt');
    return { env: { ...env, TFDOCTOR_FIXTURE_COUNT: file }, imports: () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0) };
  }

  it('imports a shared base once for all the modules that load it, and each module still answers on its own', async () => {
    const { env: e, imports } = countEnv();
    const results = await deepProbe(realPython().executable, ['usesbase_a', 'usesbase_b', 'usesbase_crash', 'usesbase_c', 'okpkg', 'brokenpkg'],
      { env: e, base, concurrency: 2, timeoutMs: 30_000 });
    expect(imports()).toBe(1);
    for (const m of ['usesbase_a', 'usesbase_b', 'usesbase_c', 'okpkg']) expect(results[m]!.ok, m).toBe(true);
    // a crash in one child is that module's answer
    expect(results['usesbase_crash']!.error).toEqual({
      type: 'ProcessCrash', message: 'killed by SIGABRT: usesbase_crash: fatal after the base', lastLine: 'usesbase_crash: fatal after the base',
    });
    expect(results['brokenpkg']!.error).toMatchObject({ type: 'ModuleNotFoundError', missingModule: 'keras_fixture_missing' });
  });

  it('a submodule nobody lists starts from its package\'s base: the base is still imported once', async () => {
    expect(baseOf('usesbase_pkg.sub', base)).toEqual(['countbase']);
    const { env: e, imports } = countEnv();
    const results = await deepProbe(realPython().executable, ['usesbase_a', 'usesbase_pkg.sub', 'usesbase_pkg'], { env: e, base, concurrency: 2, timeoutMs: 30_000 });
    expect(imports()).toBe(1);
    expect(Object.values(results).every((r) => r.ok)).toBe(true);
    expect(results['usesbase_pkg.sub']!.version).toBe('4.0');
  });

  it('the route table: a tensorflow submodule starts from tensorflow\'s state (importing it imports tensorflow first)', () => {
    const table = { order: BASE_MODULES, importsAnyway: IMPORTS_ANYWAY };
    expect(baseOf('tensorflow.lite.python.metrics._pywrap_tensorflow_lite_metrics_wrapper', table)).toEqual(['tensorflow', 'keras']);
    expect(baseOf('onnx_tf.backend', table)).toEqual(['tensorflow', 'keras', 'onnx']);
    expect(baseOf('torch', table)).toEqual([]);
    expect(baseOf('tensorflow_probability', table)).toEqual([]);
  });

  it('separate interpreters import the base once per module (the yardstick the server is measured against)', async () => {
    const { env: e, imports } = countEnv();
    const results = await deepProbe(realPython().executable, ['usesbase_a', 'usesbase_b', 'usesbase_c'], { env: e, base, mode: 'separate', concurrency: 2 });
    expect(imports()).toBe(3);
    expect(Object.values(results).every((r) => r.ok)).toBe(true);
  });

  it('never forks from a base import that failed or crashed: those modules start clean', async () => {
    const { env: e } = countEnv();
    const results = await deepProbe(realPython().executable, ['afterfail', 'aftercrash', 'failbase', 'crashbase'], { env: e, base, concurrency: 2, timeoutMs: 30_000 });
    // in the state failbase's failed import left, afterfail would fail; it is imported from a clean state instead
    expect(results['afterfail']).toMatchObject({ ok: true, version: '2.0' });
    expect(results['aftercrash']).toMatchObject({ ok: true, version: '3.0' });
    expect(results['failbase']!.error).toMatchObject({ type: 'ImportError', message: 'failbase cannot load' });
    expect(results['crashbase']!.error).toMatchObject({ type: 'ProcessCrash', message: 'killed by SIGABRT' });
  });

  it('same outcomes as separate interpreters on the fixture modules', async () => {
    const modules = ['okpkg', 'brokenpkg', 'lazypkg.distributions', 'crashpkg', 'exitpkg', 'not_installed_anywhere', 'usesbase_a', 'afterfail', 'aftercrash', 'usesbase_pkg.sub'];
    const strip = (r: Record<string, ImportOutcome>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { ...v, seconds: 0 }]));
    const { env: e } = countEnv();
    const served = await deepProbe(realPython().executable, modules, { env: e, base, concurrency: 2, timeoutMs: 30_000 });
    const separate = await deepProbe(realPython().executable, modules, { env: e, base, concurrency: 2, timeoutMs: 30_000, mode: 'separate' });
    expect(strip(served)).toEqual(strip(separate));
  });
});

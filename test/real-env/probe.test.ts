// The probe against a real venv built from PyPI (the seed's pins): what it reports must be what
// pip itself reports for the same interpreter, and the RECORD facts the patch engine relies on.
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error - plain ESM helper without types
import { ensureVenv } from '../../scripts/venvs.mjs';
import { resolveTarget } from '../../src/env/discover.js';
import { probeEnvironment } from '../../src/env/probe.js';
import { normalizeName } from '../../src/env/names.js';
import type { EnvSnapshot } from '../../src/env/types.js';

describe('probe on the real seed venv', () => {
  let venv: { dir: string; python: string };
  let snap: EnvSnapshot;
  beforeAll(async () => {
    venv = ensureVenv('seed');
    snap = await probeEnvironment(await resolveTarget({ venv: venv.dir }));
  });

  it('reports the interpreter, the venv prefix and its site-packages', () => {
    const [major, minor] = execFileSync(venv.python, ['-c', 'import sys; print(sys.version_info[0], sys.version_info[1])'], { encoding: 'utf8' }).trim().split(' ');
    expect(snap.kind).toBe('venv');
    expect(snap.python.version.startsWith(`${major}.${minor}.`)).toBe(true);
    expect(snap.python.implementation).toBe('cpython');
    expect(snap.prefix).toBe(venv.dir);
    expect(snap.sitePackages).toEqual([`${venv.dir}/lib/python${major}.${minor}/site-packages`]);
  });

  it('finds the seed pins with their exact versions', () => {
    const d = snap.distributions;
    expect(d['tensorflow']?.version).toBe('2.20.0');
    expect(d['onnx']?.version).toBe('1.19.0');
    expect(d['onnx-tf']?.version).toBe('1.10.0');
    expect(d['keras']?.version).toBe('3.11.3');
    expect(d['tf-keras']?.version).toBe('2.20.1');
    expect(d['tensorflow-addons']?.version).toBe('0.23.0');
    expect(d['tensorflow-probability']?.version).toBe('0.25.0');
    expect(d['torch']?.version.startsWith('2.13.0')).toBe(true);
    expect(d['onnx-tf']?.installer).toBe('pip');
  });

  it('reads RECORD file lists and import packages', () => {
    const onnxTf = snap.distributions['onnx-tf']!;
    expect(onnxTf.files).toContain('onnx_tf/common/data_type.py');
    // onnx-tf's wheel really ships top-level test/ and third_party/ packages (its top_level.txt and RECORD agree)
    expect(onnxTf.importPackages).toEqual(['onnx_tf', 'test', 'third_party']);
    expect(onnxTf.files).toContain('third_party/__init__.py');
    expect(onnxTf.metadataDir).toBe(`${onnxTf.location}/onnx_tf-1.10.0.dist-info`);
    expect(snap.distributions['tensorflow-addons']!.files).toContain('tensorflow_addons/utils/types.py');
    expect(snap.distributions['tensorflow']!.importPackages).toContain('tensorflow');
    expect(snap.distributions['tf-keras']!.importPackages).toContain('tf_keras');
    // onnx-tf does not declare tensorflow-probability (the seed's failure 3)
    expect(onnxTf.requires.some((r) => normalizeName(r.split(/[ ;<>=!~\[]/)[0]!) === 'tensorflow-probability')).toBe(false);
    expect(snap.distributions['tensorflow']!.requiresPython).toMatch(/>=3\.\d+/);
  });

  it('lists exactly the distributions pip lists, with the same versions', () => {
    const pipList = JSON.parse(execFileSync(venv.python, ['-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'], {
      encoding: 'utf8', cwd: dirname(venv.dir),
    })) as { name: string; version: string }[];
    const fromPip = Object.fromEntries(pipList.map((p) => [normalizeName(p.name), p.version]));
    const fromProbe = Object.fromEntries(Object.values(snap.distributions).map((d) => [d.name, d.version]));
    expect(fromProbe).toEqual(fromPip);
    expect(Object.keys(fromProbe).length).toBeGreaterThan(50);
    expect(snap.shadowed).toEqual([]);
  });
});

// What really happens at import time in the two real envs; the matrix's predictions are checked against these.
describe('deep probe on the real seed and legacy venvs', () => {
  it('seed: onnx-tf stops at onnx.mapping, tensorflow-addons at keras.src.engine', async () => {
    const { deepProbe } = await import('../../src/env/deep-probe.js');
    const seed = ensureVenv('seed');
    const r = await deepProbe(seed.python, ['onnx', 'tensorflow', 'onnx_tf', 'onnx_tf.backend', 'tensorflow_addons', 'tensorflow_probability.distributions', 'tf_keras'], { concurrency: 3 });
    expect(r['onnx']).toMatchObject({ ok: true, version: '1.19.0' });
    expect(r['tensorflow']).toMatchObject({ ok: true, version: '2.20.0' });
    expect(r['tf_keras']).toMatchObject({ ok: true, version: '2.20.1' });
    for (const m of ['onnx_tf', 'onnx_tf.backend']) {
      expect(r[m]!.ok).toBe(false);
      expect(r[m]!.error).toMatchObject({
        type: 'ImportError', importName: 'onnx',
        frame: { file: 'onnx_tf/common/data_type.py', line: 4, function: '<module>', distribution: 'onnx-tf' },
      });
      expect(r[m]!.error!.message).toMatch(/^cannot import name 'mapping' from 'onnx'/);
    }
    expect(r['tensorflow_addons']!.error).toMatchObject({
      type: 'ModuleNotFoundError', message: "No module named 'keras.src.engine'", missingModule: 'keras.src.engine',
      frame: { file: 'tensorflow_addons/utils/types.py', function: '<module>', distribution: 'tensorflow-addons' },
    });
    // tf_keras is installed in the seed env, so tensorflow-probability really loads
    expect(r['tensorflow_probability.distributions']).toMatchObject({ ok: true, version: '0.25.0' });
  });

  it('legacy: the whole onnx-tf chain imports', async () => {
    const { deepProbe } = await import('../../src/env/deep-probe.js');
    const legacy = ensureVenv('legacy');
    const r = await deepProbe(legacy.python, ['onnx_tf.backend', 'tensorflow_addons', 'tensorflow_probability.distributions', 'tf_keras'], { concurrency: 3 });
    expect(r['onnx_tf.backend']).toMatchObject({ ok: true, version: '1.10.0' });
    expect(r['tensorflow_addons']).toMatchObject({ ok: true, version: '0.23.0' });
    expect(r['tensorflow_probability.distributions']).toMatchObject({ ok: true, version: '0.23.0' });
    expect(r['tf_keras']!.error).toMatchObject({ type: 'ModuleNotFoundError', missingModule: 'tf_keras' });
  });
});

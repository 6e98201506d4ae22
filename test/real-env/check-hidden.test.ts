// Rules about a MISSING package, proven on the real venvs with that package made unimportable
// (a sitecustomize meta-path hook: the import raises ModuleNotFoundError exactly as if it were not
// installed) and dropped from the probed snapshot.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/diagnose/evaluate.js';
import { deepProbe } from '../../src/env/deep-probe.js';
import { loadMatrix } from '../../src/matrix/load.js';
import { codes, finding, realCheck } from '../diagnose/helpers/real-check.js';

describe('rules about undeclared dependencies, on real venvs', () => {
  it('ONNX_TF_NEEDS_TFP', async () => {
    const full = await realCheck('legacy');
    expect(codes(full.static)).not.toContain('ONNX_TF_NEEDS_TFP');
    const hidden = await realCheck('legacy', {
      deep: ['onnx_tf', 'onnx_tf.backend', 'tensorflow_addons'],
      hide: { imports: ['tensorflow_probability'], distributions: ['tensorflow-probability'] },
    });
    expect(codes(hidden.static)).toContain('ONNX_TF_NEEDS_TFP');
    expect(finding(hidden.static, 'ONNX_TF_NEEDS_TFP')!.fixes[0]!.command).toBe('pip install "tensorflow-probability==0.23.0"');
    expect(finding(hidden.deep!, 'ONNX_TF_NEEDS_TFP')!.observed).toBe('confirmed');
    expect(hidden.imports!['onnx_tf.backend']!.error!.message).toContain("No module named 'tensorflow_probability'");
    expect(hidden.deep!.disagreements).toEqual([]);
  });

  it('TFP_NEEDS_TF_KERAS', async () => {
    const full = await realCheck('seed');
    expect(codes(full.static)).not.toContain('TFP_NEEDS_TF_KERAS');
    const hidden = await realCheck('seed', {
      deep: ['tensorflow_probability', 'tensorflow_probability.distributions'],
      hide: { imports: ['tf_keras'], distributions: ['tf-keras'] },
    });
    expect(codes(hidden.static)).toContain('TFP_NEEDS_TF_KERAS');
    expect(finding(hidden.static, 'TFP_NEEDS_TF_KERAS')!.fixes[0]!.command).toBe('pip install "tf-keras==2.20.1"');
    expect(finding(hidden.deep!, 'TFP_NEEDS_TF_KERAS')!.observed).toBe('confirmed');
    expect(hidden.deep!.disagreements).toEqual([]);
  });

  it('TFP_TF_MISMATCH', async () => {
    // the legacy venv (TF 2.15.1) with the seed venv's tensorflow_probability 0.25.0 (pure Python)
    // first on PYTHONPATH, as if installed over 0.23.0
    const legacy = await realCheck('legacy');
    const seed = await realCheck('seed');
    expect(codes(legacy.static)).not.toContain('TFP_TF_MISMATCH');
    expect(codes(seed.static)).not.toContain('TFP_TF_MISMATCH');
    const tfp = seed.snapshot.distributions['tensorflow-probability']!;
    expect(tfp.version).toBe('0.25.0');
    const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-tfp-'));
    cpSync(join(tfp.location!, 'tensorflow_probability'), join(dir, 'tensorflow_probability'), { recursive: true });
    const snapshot = structuredClone(legacy.snapshot);
    snapshot.distributions['tensorflow-probability'] = { ...tfp, location: dir };
    const imports = await deepProbe(legacy.venv.python, ['tensorflow_probability.distributions'], { env: { PYTHONPATH: dir } });
    const d = evaluate(await loadMatrix(), snapshot, { deep: imports });
    const f = finding(d, 'TFP_TF_MISMATCH')!;
    expect(f.message).toContain('tensorflow 2.15.1 is installed');
    expect(f.fixes[0]!.command).toBe('pip install "tensorflow-probability==0.23.0"');
    expect(f.observed).toBe('confirmed');
    expect(imports['tensorflow_probability.distributions']!.error!.message).toContain('requires TensorFlow version >= 2.18');
    expect(d.disagreements).toEqual([]);
  });
});

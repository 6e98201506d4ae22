// Rules about a MISSING package, proven on the real venvs with that package made unimportable
// (a sitecustomize meta-path hook: the import raises ModuleNotFoundError exactly as if it were not
// installed) and dropped from the probed snapshot.
import { describe, expect, it } from 'vitest';
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
});

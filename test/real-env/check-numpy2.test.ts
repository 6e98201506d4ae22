// numpy 2 under TensorFlow 2.17 (built for NumPy 1.x): test/real-env/envs/tf217np2.txt.
import { beforeAll, describe, expect, it } from 'vitest';
import { codes, finding, realCheck, runPython, type RealCheck } from '../diagnose/helpers/real-check.js';

let np2: RealCheck;
beforeAll(async () => {
  np2 = await realCheck('tf217np2', { deep: ['tensorflow', 'tensorflow_probability.distributions', 'tf_keras', 'onnx'] });
});

describe('numpy outside TensorFlow\'s range, on a real venv', () => {
  it('NUMPY_OUTSIDE_TF_RANGE', async () => {
    expect(codes(np2.static)).toContain('NUMPY_OUTSIDE_TF_RANGE');
    const f = finding(np2.deep!, 'NUMPY_OUTSIDE_TF_RANGE')!;
    expect(f.message).toContain('numpy 2.0.2');
    expect(f.fixes[0]!.command).toBe('pip install "numpy>=1.23.5,<2.0.0"');
    expect(f.observed).toBe('confirmed');
    // what the user sees on stderr before the exception
    const r = await runPython(np2.venv.python, ['-c', 'import tensorflow']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('A module that was compiled using NumPy 1.x cannot be run in');
    // tfp 0.25 also wants TF >= 2.18 here, but the numpy failure comes first: masked, not a disagreement
    expect(codes(np2.static)).toContain('TFP_TF_MISMATCH');
    expect(finding(np2.deep!, 'TFP_TF_MISMATCH')!.observed).toBe('not-probed');
    expect(np2.deep!.disagreements).toEqual([]);

    for (const env of ['seed', 'legacy']) expect(codes((await realCheck(env)).static)).not.toContain('NUMPY_OUTSIDE_TF_RANGE');
  });
});

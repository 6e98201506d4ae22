// Seed failure 8 on a real venv: tensorflow 2.20.0 with ai-edge-torch 0.6.0's ai-edge-tensorflow
// installed over it (test/real-env/envs/dualtf.txt).
import { beforeAll, describe, expect, it } from 'vitest';
import { codes, finding, realCheck, type RealCheck } from '../diagnose/helpers/real-check.js';

const MODULES = ['tensorflow', 'tensorflow.lite.python.metrics._pywrap_tensorflow_lite_metrics_wrapper'];
let dual: RealCheck;
let seed: RealCheck;
beforeAll(async () => {
  dual = await realCheck('dualtf', { deep: MODULES });
  seed = await realCheck('seed');
});

describe('two TensorFlow distributions in one venv', () => {
  it('TF_DISTRIBUTIONS_SHARE_PACKAGE', () => {
    expect(codes(dual.static)).toContain('TF_DISTRIBUTIONS_SHARE_PACKAGE');
    expect(codes(seed.static)).not.toContain('TF_DISTRIBUTIONS_SHARE_PACKAGE');
    const f = finding(dual.deep!, 'TF_DISTRIBUTIONS_SHARE_PACKAGE')!;
    expect(f.packages.map((p) => p.name).sort()).toEqual(['ai-edge-tensorflow', 'tensorflow']);
    expect(f.observed).toBe('confirmed');
    expect(dual.imports!['tensorflow']!.error!.message).toMatch(/undefined symbol: Wrapped_PyInit__pywrap_tensorflow_lite_metrics_wrapper/);
    expect(dual.deep!.disagreements).toEqual([]);
    for (const id of ['onnx-tf', 'onnx2tf', 'litert-torch']) {
      expect(dual.static.routes.find((r) => r.id === id)!.blockers).toContain('TF_DISTRIBUTIONS_SHARE_PACKAGE');
    }
  });

  it('FILES_OWNED_BY_TWO_DISTRIBUTIONS', () => {
    expect(codes(dual.static)).toContain('FILES_OWNED_BY_TWO_DISTRIBUTIONS');
    expect(codes(seed.static)).not.toContain('FILES_OWNED_BY_TWO_DISTRIBUTIONS');
    expect(codes(seed.static)).not.toContain('FILES_OWNED_BY_TWO_DISTRIBUTIONS_OTHER');
    const f = finding(dual.deep!, 'FILES_OWNED_BY_TWO_DISTRIBUTIONS')!;
    expect(Number(/^(\d+) files/.exec(f.title)![1])).toBeGreaterThan(1000);
    expect(f.observed).toBe('confirmed');
  });
});

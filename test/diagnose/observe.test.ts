import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImportOutcome } from '../../src/env/deep-probe.js';
import { snapshotFromRequirements } from '../../src/env/requirements.js';
import type { EnvSnapshot } from '../../src/env/types.js';
import { evaluate } from '../../src/diagnose/evaluate.js';
import { loadMatrix } from '../../src/matrix/load.js';
import type { Matrix } from '../../src/matrix/types.js';

// Real outcomes, recorded from the deep probe on the real seed venv.
const recorded = (JSON.parse(readFileSync(new URL('./fixtures/seed-deep-outcomes.json', import.meta.url), 'utf8')) as {
  outcomes: Record<string, ImportOutcome>;
}).outcomes;

let matrix: Matrix;
let seed: EnvSnapshot;
beforeAll(async () => {
  matrix = await loadMatrix();
  seed = await snapshotFromRequirements(new URL('./fixtures/seed-venv.txt', import.meta.url).pathname, {
    pythonVersion: '3.11', platform: { system: 'linux', machine: 'x86_64' },
  });
});

const clone = () => structuredClone(recorded);
const observedOf = (deep: Record<string, ImportOutcome>, code: string) =>
  evaluate(matrix, seed, { deep }).findings.find((f) => f.code === code)?.observed;

describe('deep probe vs predictions', () => {
  it('the recorded seed outcomes agree with every prediction', () => {
    const d = evaluate(matrix, seed, { deep: clone() });
    expect(d.disagreements).toEqual([]);
    const obs = Object.fromEntries(d.findings.map((f) => [f.code, f.observed]));
    expect(obs).toMatchObject({
      ONNX_MAPPING_REMOVED: 'confirmed',
      TFA_KERAS3_KERAS_SRC_ENGINE: 'confirmed',
      TFA_KERAS3_LAZYADAM_GET_CONFIG: 'not-probed', // masked by keras.src.engine
      ONNX2TF_NOT_INSTALLED: 'confirmed',
    });
  });

  it('a predicted failure whose import succeeds is a disagreement and refutes the finding', () => {
    const deep = clone();
    deep['tensorflow_addons'] = { module: 'tensorflow_addons', ok: true, seconds: 1, version: '0.23.0' };
    const d = evaluate(matrix, seed, { deep });
    expect(d.disagreements).toContainEqual(expect.objectContaining({ kind: 'predicted-failure-but-imported', module: 'tensorflow_addons', code: 'TFA_KERAS3_KERAS_SRC_ENGINE' }));
    expect(observedOf(deep, 'TFA_KERAS3_KERAS_SRC_ENGINE')).toBe('refuted');
  });

  it('a failure no rule predicts is a disagreement', () => {
    const deep = clone();
    deep['torch'] = { module: 'torch', ok: false, seconds: 1, error: { type: 'OSError', message: 'libtorch_cpu.so: cannot open shared object file' } };
    const d = evaluate(matrix, seed, { deep });
    expect(d.disagreements).toEqual([expect.objectContaining({ kind: 'unpredicted-failure', module: 'torch' })]);
  });

  it('a failure matching a rule whose condition did not hold names that rule', () => {
    const deep = clone();
    deep['tensorflow'] = { module: 'tensorflow', ok: false, seconds: 1, error: { type: 'ImportError', message: 'x.so: undefined symbol: Wrapped_PyInit_x' } };
    const d = evaluate(matrix, seed, { deep });
    expect(d.disagreements).toEqual([expect.objectContaining({ kind: 'unpredicted-failure', module: 'tensorflow', code: 'TF_DISTRIBUTIONS_SHARE_PACKAGE' })]);
  });

  it('a module that is simply not installed is no disagreement', () => {
    const deep = clone();
    expect(deep['onnxruntime']?.ok).toBe(false);
    expect(evaluate(matrix, seed, { deep }).disagreements).toEqual([]);
  });

  it('a patched rule whose import still fails is a disagreement (the patch did not work)', () => {
    const d = evaluate(matrix, seed, { deep: clone(), appliedPatches: [{ id: 'onnx-tf-onnx-mapping' }] });
    expect(d.disagreements).toContainEqual(expect.objectContaining({ kind: 'unpredicted-failure', module: 'onnx_tf.backend' }));
  });

  it('the same exception as a predicted failure, reached through another module, is that failure', () => {
    const deep = clone();
    const mapping = deep['onnx_tf.backend']!.error!;
    deep['onnx_tf.common.data_type'] = { module: 'onnx_tf.common.data_type', ok: false, seconds: 1, error: { ...mapping } };
    expect(evaluate(matrix, seed, { deep }).disagreements).toEqual([]);
    deep['onnx_tf.common.data_type'] = { module: 'onnx_tf.common.data_type', ok: false, seconds: 1, error: { type: 'ImportError', message: 'something else' } };
    expect(evaluate(matrix, seed, { deep }).disagreements).toEqual([expect.objectContaining({ module: 'onnx_tf.common.data_type' })]);
  });
});

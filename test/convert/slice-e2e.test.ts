import { describe, expect, it } from 'vitest';
import { weight, type ModelSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify } from './helpers/run.js';

function bnParams(prefix: string, c: number, seed: number) {
  return [
    weight(`${prefix}_gamma`, [c], seed, 0.5),
    weight(`${prefix}_beta`, [c], seed + 1, 0.5),
    weight(`${prefix}_mean`, [c], seed + 2, 0.5),
    { ...weight(`${prefix}_var`, [c], seed + 3, 0.5), values: Float32Array.from(weight('', [c], seed + 3).values as Float32Array, (v) => 0.5 + Math.abs(v)) },
  ];
}

/** Conv+BN+Relu, a residual Add, GlobalAveragePool, Flatten, Gemm: the thin slice of FBNet. */
const slice: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', shape: ['N', 3, 8, 8] }],
  outputs: [{ name: 'y', shape: ['N', 10] }],
  initializers: [
    weight('w1', [8, 3, 3, 3], 1), weight('b1', [8], 2),
    ...bnParams('bn1', 8, 10),
    weight('w2', [8, 8, 1, 1], 3),
    ...bnParams('bn2', 8, 20),
    weight('fc_w', [10, 8], 4), weight('fc_b', [10], 5),
  ],
  nodes: [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: { ints: [1, 1, 1, 1] }, strides: { ints: [2, 2] }, kernel_shape: { ints: [3, 3] } } },
    { op: 'BatchNormalization', inputs: ['c1', 'bn1_gamma', 'bn1_beta', 'bn1_mean', 'bn1_var'], outputs: ['n1'] },
    { op: 'Relu', inputs: ['n1'], outputs: ['r1'] },
    { op: 'Conv', inputs: ['r1', 'w2'], outputs: ['c2'] },
    { op: 'BatchNormalization', inputs: ['c2', 'bn2_gamma', 'bn2_beta', 'bn2_mean', 'bn2_var'], outputs: ['n2'] },
    { op: 'Add', inputs: ['n2', 'r1'], outputs: ['s'] },
    { op: 'GlobalAveragePool', inputs: ['s'], outputs: ['g'] },
    { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
    { op: 'Gemm', inputs: ['f', 'fc_w', 'fc_b'], outputs: ['y'], attrs: { transB: { i: 1 } } },
  ],
};

describe('end to end: Conv+BN+Relu+Add+GlobalAveragePool+Flatten+Gemm', () => {
  it('folds BN, fuses Relu, pads explicitly for PyTorch stride-2 padding, and matches onnxruntime', async () => {
    const c = await convertSpec(slice);
    // NCHW input -> one TRANSPOSE at the edge; pads (1,1) on an even input with stride 2 is not SAME -> PAD
    expect(c.ops).toEqual(['TRANSPOSE', 'PAD', 'CONV_2D', 'CONV_2D', 'ADD', 'MEAN', 'RESHAPE', 'FULLY_CONNECTED']);
    const conv1 = c.model.operators[2]!;
    expect(conv1.options).toMatchObject({ padding: 1, stride_w: 2, stride_h: 2, fused_activation_function: 1 });
    expect(c.model.operators[3]!.options).toMatchObject({ fused_activation_function: 0 });
    expect(c.model.signature?.key).toBe('serving_default');
    expect(c.model.signature?.inputs.map((i) => i.name)).toEqual(['x']);
    expect(c.model.signature?.outputs.map((i) => i.name)).toEqual(['y']);
    expect(c.model.version).toBe(3);
    expect(c.model.identifier).toBe('TFL3');
    const r = await verify(c);
    expect(r.problems).toEqual([]);
    expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
    expect(r.maxRef).toBeGreaterThan(0);
  });

  it('--nhwc drops the edge transpose', async () => {
    const c = await convertSpec(slice, { nhwc: true });
    expect(c.ops[0]).toBe('PAD');
    expect(c.model.tensors[c.model.inputs[0]!]!.shape).toEqual([1, 8, 8, 3]);
    const r = await verify(c, true);
    expect(r.problems).toEqual([]);
    expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  });
});

/**
 * Operator versions on every graph the converter writes: one small real ONNX model converted float,
 * float16, dynamic-range and int8, and a QDQ model, each read back from the written .tflite
 * (tflite/read.ts). In each file every operator code carries op_version.cc's version for its
 * operators as they are in the file (the highest over a builtin's operators; one code per builtin),
 * and the features the float writer once wrote at version 1 carry theirs: a rank-5 TRANSPOSE (a
 * channel shuffle nothing absorbs) 4, half-pixel RESIZE_BILINEAR 3, a grouped CONV_2D 6, BROADCAST_TO 2
 * (op_version.cc at tensorflow commit 02087409). LiteRT.js runs the float file, versions and all, and
 * matches onnxruntime-node (tolerance 1e-4 x max(1, max|y|)).
 */
import { describe, expect, it } from 'vitest';
import { opSignature, opVersion, signatureKey } from '../../src/convert/tflite/op-version.js';
import type { ReadModel } from '../../src/convert/tflite/read.js';
import { DT, int64s, randomFloats, weight, type ModelSpec, type NodeSpec, type TensorSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify } from './helpers/run.js';
import { tfCodeVersion } from './tf-op-versions.js';

const ints = (v: number[]) => ({ ints: v });
const f32s = (name: string, values: number[]): TensorSpec => ({ name, dims: [values.length], values });
const C = 16;

/** grouped Conv -> channel shuffle (rank 5) -> Relu -> half-pixel linear Resize; GlobalAveragePool -> Expand */
const spec: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', shape: [1, 8, 6, 5] }],
  outputs: [{ name: 'up', shape: null }, { name: 'wide', shape: null }],
  nodes: [
    { op: 'Conv', inputs: ['x', 'wg', 'bg'], outputs: ['a'], attrs: { group: { i: 2 }, pads: ints([1, 1, 1, 1]) } },
    { op: 'Reshape', inputs: ['a', 'split'], outputs: ['v'] },
    { op: 'Transpose', inputs: ['v'], outputs: ['t'], attrs: { perm: ints([0, 2, 1, 3, 4]) } },
    { op: 'Reshape', inputs: ['t', 'merge'], outputs: ['s'] },
    { op: 'Relu', inputs: ['s'], outputs: ['r'] },
    { op: 'Resize', inputs: ['r', '', 'scales'], outputs: ['up'], attrs: { mode: { s: 'linear' } } },
    { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['p'] },
    { op: 'Expand', inputs: ['p', 'to'], outputs: ['wide'] },
  ],
  initializers: [
    weight('wg', [C * 8, 4, 3, 3], 1, 0.3), // 4608 elements: int8 under --quantize dynamic
    weight('bg', [C * 8], 2, 0.1),
    int64s('split', [1, 2, C * 4, 6, 5]), int64s('merge', [1, C * 8, 6, 5]),
    f32s('scales', [1, 1, 2, 2]),
    int64s('to', [1, C * 8, 2, 3]),
  ],
};

/**
 * Every operator code: op_version.cc's version of its operators in the file, the highest of them, one
 * code per builtin; and where TensorFlow wrote all its signatures (the generated tables), TensorFlow's.
 */
function expectOpVersionCc(model: ReadModel): Record<string, number> {
  const byOp = new Map<string, { codes: Set<number>; rule: number; keys: string[] }>();
  for (const op of model.operators) {
    const e = byOp.get(op.op) ?? { codes: new Set<number>(), rule: 1, keys: [] };
    e.codes.add(op.version);
    const sig = opSignature(op, model.tensors);
    e.rule = Math.max(e.rule, opVersion(sig));
    e.keys.push(signatureKey(sig));
    byOp.set(op.op, e);
  }
  const out: Record<string, number> = {};
  for (const [op, { codes, rule, keys }] of byOp) {
    expect([...codes], `${op}: one operator code`).toHaveLength(1);
    expect([...codes][0], op).toBe(rule);
    const tf = tfCodeVersion(keys);
    if (tf.version !== undefined) expect(rule, `${op} against TensorFlow's table`).toBe(tf.version);
    out[op] = rule;
  }
  return out;
}

describe('operator versions on every graph the converter writes', () => {
  it('float: rank-5 TRANSPOSE 4, half-pixel RESIZE_BILINEAR 3, grouped CONV_2D 6, BROADCAST_TO 2; LiteRT.js runs it exactly', async () => {
    const c = await convertSpec(spec, { nhwc: true });
    const v = expectOpVersionCc(c.model);
    // the rank-5 TRANSPOSE is the shuffle's (the I/O is NHWC: no other TRANSPOSE)
    expect(c.model.operators.filter((o) => o.op === 'TRANSPOSE').map((o) => c.model.tensors[o.inputs[0]!]!.shape.length)).toEqual([5]);
    expect(v).toMatchObject({ TRANSPOSE: 4, RESIZE_BILINEAR: 3, CONV_2D: 6, BROADCAST_TO: 2, RESHAPE: 1, MEAN: 1 });
    const r = await verify(c, true);
    expect(r.problems).toEqual([]);
    expect(r.maxRef).toBeGreaterThan(0.1);
    expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  });

  it('float16: DEQUANTIZE of FLOAT16 constants 3, the float operators as in the float file', async () => {
    const c = await convertSpec(spec, { nhwc: true, quantize: { mode: 'float16' } });
    expect(expectOpVersionCc(c.model)).toMatchObject({ DEQUANTIZE: 3, TRANSPOSE: 4, RESIZE_BILINEAR: 3, CONV_2D: 6, BROADCAST_TO: 2 });
  });

  it('dynamic: the hybrid CONV_2D (int8 weights per channel) is grouped, so 6 (5 when not grouped)', async () => {
    const c = await convertSpec(spec, { nhwc: true, quantize: { mode: 'dynamic' } });
    const conv = c.model.operators.find((o) => o.op === 'CONV_2D')!;
    expect(c.model.tensors[conv.inputs[1]!]!.type).toBe('INT8');
    expect(expectOpVersionCc(c.model)).toMatchObject({ CONV_2D: 6, TRANSPOSE: 4 });
    const ungrouped = opSignature({ ...conv, inputs: [conv.inputs[0]!, conv.inputs[1]!, conv.inputs[2]!] }, c.model.tensors.map((t, i) => (i === conv.inputs[0] ? { ...t, shape: [1, 6, 5, 4] } : t)));
    expect(opVersion(ungrouped)).toBe(5);
  });

  it('int8: int8 operators at their int8 versions (TRANSPOSE rank 5 stays 4, RESIZE_BILINEAR half-pixel 3), QUANTIZE 1, DEQUANTIZE 2', async () => {
    const c = await convertSpec(spec, { nhwc: true, quantize: { mode: 'int8', calibration: 'random' } });
    const conv = c.model.operators.find((o) => o.op === 'CONV_2D')!;
    expect(c.model.tensors[conv.inputs[0]!]!.type).toBe('INT8');
    expect(expectOpVersionCc(c.model)).toMatchObject({ CONV_2D: 6, TRANSPOSE: 4, RESIZE_BILINEAR: 3, QUANTIZE: 1, DEQUANTIZE: 2 });
  });
});

/** x -> QDQ -> Conv (int8 per-channel weights) -> QDQ -> y: the QDQ path's int8 file */
function qdqSpec(): ModelSpec {
  const scalar = (name: string, value: number, dataType: number = DT.FLOAT): TensorSpec => ({ name, dims: [], dataType, values: [value] });
  const node = (op: string, inputs: string[], outputs: string[], attrs?: NodeSpec['attrs']): NodeSpec => ({ op, inputs, outputs, ...(attrs ? { attrs } : {}) });
  return {
    opset: 13,
    inputs: [{ name: 'x', shape: [1, 3, 6, 6] }],
    outputs: [{ name: 'y', shape: [1, 4, 6, 6] }],
    nodes: [
      node('QuantizeLinear', ['x', 'xs', 'xz'], ['xq']), node('DequantizeLinear', ['xq', 'xs', 'xz'], ['xd']),
      node('DequantizeLinear', ['wq', 'ws', 'wz'], ['w'], { axis: { i: 0 } }),
      node('Conv', ['xd', 'w'], ['c'], { pads: ints([1, 1, 1, 1]) }),
      node('QuantizeLinear', ['c', 'cs', 'cz'], ['cq']), node('DequantizeLinear', ['cq', 'cs', 'cz'], ['y']),
    ],
    initializers: [
      scalar('xs', 0.02), scalar('xz', 0, DT.INT8), scalar('cs', 0.05), scalar('cz', -10, DT.INT8),
      { name: 'wq', dims: [4, 3, 3, 3], dataType: DT.INT8, values: Array.from(randomFloats(108, 3), (v) => Math.round(v * 127)) },
      f32s('ws', [0.011, 0.007, 0.013, 0.009]),
      { name: 'wz', dims: [4], dataType: DT.INT8, values: [0, 0, 0, 0] },
    ],
  };
}

describe('operator versions of a QDQ model\'s int8 file', () => {
  it('CONV_2D int8 3, QUANTIZE 1, DEQUANTIZE 2', async () => {
    const c = await convertSpec(qdqSpec());
    expect(expectOpVersionCc(c.model)).toMatchObject({ CONV_2D: 3, QUANTIZE: 1, DEQUANTIZE: 2 });
  });
});

/**
 * ConvTranspose geometry (geometry.ts transposeConvGeometry) through TRANSPOSE_CONV + crop: output_shape,
 * auto_pad, output_padding past the end pad, dilations, 1-D. Structure, then numbers: onnxruntime-node
 * vs LiteRT.js on seeded random inputs, tolerance 1e-4 x max(1, max|y|).
 */
import { describe, expect, it } from 'vitest';
import { transposeConvGeometry } from '../../src/convert/geometry.js';
import { weight, type ModelSpec, type NodeSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify } from './helpers/run.js';

const ct = (inp: string, out: string, attrs: NodeSpec['attrs'], bias = true): NodeSpec => ({ op: 'ConvTranspose', inputs: bias ? [inp, 'w', 'b'] : [inp, 'w'], outputs: [out], attrs });
function graph(input: number[], w: number[], nodes: NodeSpec[], opset = 13): ModelSpec {
  return { opset, inputs: [{ name: 'x', shape: input }], outputs: [{ name: 'y', shape: null }], nodes, initializers: [weight('w', w, 11), weight('b', [w[1]!], 12)] };
}
const ints = (v: number[]) => ({ ints: v });

describe('transposed-conv geometry', () => {
  const base = { inHW: [3, 3], kernel: [3, 3], strides: [3, 2], dilations: [1, 1], outputPadding: [0, 0], autoPad: 'NOTSET' };
  it('output_padding adds end rows past the full result (bias only)', () => {
    expect(transposeConvGeometry({ ...base, outputPadding: [1, 1] })).toEqual({ out: [10, 8], cropBegin: [0, 0], full: [10, 8] });
  });
  it('SAME_UPPER puts the odd pad at the end, SAME_LOWER at the start', () => {
    const same = { ...base, strides: [2, 2] }; // full 7, output 6: one pad
    expect(transposeConvGeometry({ ...same, autoPad: 'SAME_UPPER' }).cropBegin).toEqual([0, 0]);
    expect(transposeConvGeometry({ ...same, autoPad: 'SAME_LOWER' }).cropBegin).toEqual([1, 1]);
  });
});

const cases: { name: string; spec: ModelSpec; ops: string[] }[] = [
  {
    name: 'output_padding 1 with no end pad (stride 3 x 2): the full result grows by one row and column',
    spec: graph([1, 2, 3, 3], [2, 3, 3, 3], [ct('x', 'y', { strides: ints([3, 2]), output_padding: ints([1, 1]) })]),
    ops: ['TRANSPOSE', 'TRANSPOSE_CONV', 'TRANSPOSE'],
  },
  {
    name: 'output_shape [10, 8] past the full 9 x 7',
    spec: graph([1, 2, 3, 3], [2, 3, 3, 3], [ct('x', 'y', { strides: ints([3, 2]), output_shape: ints([10, 8]) })]),
    ops: ['TRANSPOSE', 'TRANSPOSE_CONV', 'TRANSPOSE'],
  },
  {
    name: 'output_shape [8, 5] inside the full 9 x 7 (pads derived, odd ones at the start)',
    spec: graph([1, 2, 3, 3], [2, 3, 3, 3], [ct('x', 'y', { strides: ints([3, 2]), output_shape: ints([8, 5]) })]),
    ops: ['TRANSPOSE', 'TRANSPOSE_CONV', 'STRIDED_SLICE', 'TRANSPOSE'],
  },
  {
    name: 'auto_pad SAME_UPPER, stride 2 (output = 2 x input)',
    spec: graph([1, 2, 4, 5], [2, 3, 3, 3], [ct('x', 'y', { strides: ints([2, 2]), auto_pad: { s: 'SAME_UPPER' } })]),
    ops: ['TRANSPOSE', 'TRANSPOSE_CONV', 'STRIDED_SLICE', 'TRANSPOSE'],
  },
  {
    name: 'dilations 2 (kernel dilated with zeros) and pads 1',
    spec: graph([1, 2, 4, 4], [2, 3, 2, 3], [ct('x', 'y', { dilations: ints([2, 2]), pads: ints([1, 1, 1, 1]) })]),
    ops: ['TRANSPOSE', 'TRANSPOSE_CONV', 'STRIDED_SLICE', 'TRANSPOSE'],
  },
  {
    name: '1-D, stride 2, pads 1, output_padding 1 (PyTorch upsampling shape)',
    spec: graph([1, 2, 6], [2, 3, 3], [ct('x', 'y', { strides: ints([2]), pads: ints([1, 1]), output_padding: ints([1]) })]),
    ops: ['RESHAPE', 'TRANSPOSE', 'TRANSPOSE_CONV', 'STRIDED_SLICE', 'RESHAPE', 'TRANSPOSE'],
  },
];

describe('ConvTranspose: structure and numbers (onnxruntime-node vs LiteRT.js)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const conv = await convertSpec(c.spec);
      expect(conv.ops, conv.ops.join()).toEqual(c.ops);
      const r = await verify(conv);
      expect(r.problems).toEqual([]);
      expect(r.maxRef).toBeGreaterThan(0);
      expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
    });
  }
});

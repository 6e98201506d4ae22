/**
 * Pool geometry (geometry.ts + spatial.ts): ceil_mode, count_include_pad=0 with explicit pads, and the
 * SAME / PAD / divisor-correction choices, each checked for structure and then numerically
 * (onnxruntime-node vs LiteRT.js on seeded random inputs, tolerance 1e-4 x max(1, max|y|)).
 */
import { describe, expect, it } from 'vitest';
import { isSame, poolDivisors, poolGeometry } from '../../src/convert/geometry.js';
import { NodeRefusal } from '../../src/convert/ir.js';
import { type ModelSpec, type NodeSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify } from './helpers/run.js';

function graph(input: number[], nodes: NodeSpec[], opset = 13): ModelSpec {
  return { opset, inputs: [{ name: 'x', shape: input }], outputs: [{ name: 'y', shape: null }], nodes };
}
const pool = (op: 'MaxPool' | 'AveragePool', inp: string, out: string, attrs: NodeSpec['attrs']): NodeSpec => ({ op, inputs: [inp], outputs: [out], attrs });
const ints = (v: number[]) => ({ ints: v });

describe('pool geometry arithmetic', () => {
  const sp = (k: number, s: number, pads: number[]) => ({ kernel: [k, k], strides: [s, s], dilations: [1, 1], pads });
  it('ceil_mode adds end padding so the last window fits (GoogLeNet 112 -> 56 is TFLite SAME)', () => {
    const g = poolGeometry([112, 112], sp(3, 2, [0, 0, 0, 0]), true);
    expect(g.outHW).toEqual([56, 56]);
    expect(g.pads).toEqual([0, 0, 1, 1]);
    expect(isSame(g.inHW, g.sp, g.pads)).toBe(true);
    expect(poolGeometry([112, 112], sp(3, 2, [0, 0, 0, 0]), false).outHW).toEqual([55, 55]);
  });
  it('divisors: in-input counts without count_include_pad, padded-window counts with it', () => {
    const g = poolGeometry([4, 4], sp(3, 2, [1, 1, 1, 1]), true); // out 3: windows start at -1, 1, 3
    expect(g.outHW).toEqual([3, 3]);
    expect(Array.from(poolDivisors(g, false))).toEqual([4, 6, 2, 6, 9, 3, 2, 3, 1]);
    // with the pads counted, the window is clipped at the padded end (4 + 1), not at ceil's extra
    expect(Array.from(poolDivisors(g, true)).slice(0, 3)).toEqual([9, 9, 6]);
  });
  it('refuses a ceil_mode window that would start inside the end padding', () => {
    expect(() => poolGeometry([4, 4], sp(2, 2, [0, 0, 1, 1]), true)).toThrow(NodeRefusal);
  });
});

interface Case { name: string; spec: ModelSpec; ops: string[] }

const cases: Case[] = [
  {
    name: 'MaxPool ceil_mode 3x3 s2 on 112 (GoogLeNet) is MAX_POOL_2D SAME with no PAD',
    spec: graph([1, 2, 112, 112], [pool('MaxPool', 'x', 'y', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: { i: 1 } })]),
    ops: ['TRANSPOSE', 'MAX_POOL_2D', 'TRANSPOSE'],
  },
  {
    name: 'MaxPool ceil_mode with pads 1 on 8x7: PADV2 -inf then VALID',
    spec: graph([1, 3, 8, 7], [pool('MaxPool', 'x', 'y', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), ceil_mode: { i: 1 } })]),
    ops: ['TRANSPOSE', 'PADV2', 'MAX_POOL_2D', 'TRANSPOSE'],
  },
  {
    name: 'AveragePool ceil_mode, count_include_pad=0, no pads, 8 -> 4: the extra end row is TFLite SAME (divides by the in-input count)',
    spec: graph([1, 3, 8, 8], [pool('AveragePool', 'x', 'y', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: { i: 1 } })]),
    ops: ['TRANSPOSE', 'AVERAGE_POOL_2D', 'TRANSPOSE'],
  },
  {
    name: 'AveragePool ceil_mode, count_include_pad=1, pads 1: zero PAD, VALID, MUL by the clipped-window ratio',
    spec: graph([1, 2, 6, 6], [pool('AveragePool', 'x', 'y', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), ceil_mode: { i: 1 }, count_include_pad: { i: 1 } })]),
    ops: ['TRANSPOSE', 'PAD', 'AVERAGE_POOL_2D', 'MUL', 'TRANSPOSE'],
  },
  {
    name: 'AveragePool count_include_pad=0 with pads 2 on a 5x5 kernel stride 1 (= SAME): one AVERAGE_POOL_2D',
    spec: graph([1, 2, 6, 6], [pool('AveragePool', 'x', 'y', { kernel_shape: ints([5, 5]), pads: ints([2, 2, 2, 2]) })]),
    ops: ['TRANSPOSE', 'AVERAGE_POOL_2D', 'TRANSPOSE'],
  },
  {
    name: 'AveragePool count_include_pad=0 with asymmetric pads (SAME_LOWER-like): PAD + VALID + MUL, then Clip(0,6) after the MUL',
    spec: graph([1, 2, 5, 6], [
      pool('AveragePool', 'x', 'a', { kernel_shape: ints([2, 3]), pads: ints([1, 2, 0, 0]) }),
      { op: 'Mul', inputs: ['a', 'k'], outputs: ['b'] },
      { op: 'Clip', inputs: ['b', 'lo', 'hi'], outputs: ['y'] },
    ]),
    ops: ['TRANSPOSE', 'PAD', 'AVERAGE_POOL_2D', 'MUL', 'MUL', 'TRANSPOSE'],
  },
  {
    name: 'AveragePool count_include_pad=0, pads 2 on a 3x3 kernel stride 2 (not SAME): PAD + VALID + MUL',
    spec: graph([1, 2, 7, 7], [pool('AveragePool', 'x', 'y', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([2, 2, 2, 2]) })]),
    ops: ['TRANSPOSE', 'PAD', 'AVERAGE_POOL_2D', 'MUL', 'TRANSPOSE'],
  },
  {
    name: 'MaxPool 3x3 dilation 2 stride 2 with pads 2, ceil_mode, then Relu: MAXIMUM of 9 strided slices and a RELU',
    spec: graph([1, 2, 9, 8], [
      pool('MaxPool', 'x', 'm', { kernel_shape: ints([3, 3]), dilations: ints([2, 2]), strides: ints([2, 2]), pads: ints([2, 2, 2, 2]), ceil_mode: { i: 1 } }),
      { op: 'Relu', inputs: ['m'], outputs: ['y'] },
    ]),
    ops: ['TRANSPOSE', 'PADV2', 'STRIDED_SLICE', ...[...Array(8)].flatMap(() => ['STRIDED_SLICE', 'MAXIMUM']), 'RELU', 'TRANSPOSE'],
  },
  {
    name: 'AveragePool 1-D with ceil_mode and count_include_pad=0 pads',
    spec: graph([1, 3, 10], [pool('AveragePool', 'x', 'y', { kernel_shape: ints([3]), strides: ints([2]), pads: ints([1, 0]), ceil_mode: { i: 1 } })]),
    ops: ['RESHAPE', 'TRANSPOSE', 'PAD', 'AVERAGE_POOL_2D', 'MUL', 'RESHAPE', 'TRANSPOSE'],
  },
];
// the Clip case needs its constants
cases[5]!.spec.initializers = [{ name: 'k', dims: [], values: [20] }, { name: 'lo', dims: [], values: [0] }, { name: 'hi', dims: [], values: [6] }];

describe('pools: structure and numbers (onnxruntime-node vs LiteRT.js)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const conv = await convertSpec(c.spec);
      expect(conv.ops).toEqual(c.ops);
      const r = await verify(conv);
      expect(r.problems).toEqual([]);
      expect(r.maxRef).toBeGreaterThan(0);
      expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
    });
  }
});

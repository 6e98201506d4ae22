/**
 * Issue 8 lowerings for transformer-style models, each on a small real ONNX model: the TFLite
 * structure, and onnxruntime-node vs LiteRT.js on seeded standard-normal inputs (tolerance
 * 1e-4 * max(1, max|y|), the verifier's), plus the constant folder that must leave nothing of
 * a constant chain (Swin's attention mask, Swin v2's position-bias MLP) for the runtime.
 */
import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/convert.js';
import { readOnnxFile } from '../../src/onnx/read.js';
import { DT, int64s, weight, type ModelSpec, type NodeSpec, type TensorSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify, writeModel } from './helpers/run.js';

interface Case {
  name: string;
  spec: ModelSpec;
  ops?: string[];
  check?: (ops: { op: string; options: Record<string, number | number[]> }[]) => void;
}

function graph(input: number[], nodes: NodeSpec[], initializers: TensorSpec[] = [], opset = 17, extraInputs: { name: string; shape: number[] }[] = []): ModelSpec {
  return { opset, inputs: [{ name: 'x', shape: input }, ...extraInputs], outputs: [{ name: 'y', shape: null }], nodes, initializers };
}
const f32 = (name: string, dims: number[], values: number[]): TensorSpec => ({ name, dims, values });
const bools = (name: string, dims: number[], values: number[]): TensorSpec => ({ name, dims, dataType: DT.BOOL, values });
const node = (op: string, inputs: string[], outputs: string[], attrs: NodeSpec['attrs'] = {}): NodeSpec => ({ op, inputs, outputs, attrs });

const cases: Case[] = [
  {
    name: 'LayerNormalization-17 over the last axis with scale and bias',
    spec: graph([2, 5, 8], [node('LayerNormalization', ['x', 's', 'b'], ['y'], { epsilon: { f: 1e-5 } })], [weight('s', [8], 1, 1), weight('b', [8], 2)]),
    ops: ['MEAN', 'SUB', 'MUL', 'MEAN', 'ADD', 'RSQRT', 'MUL', 'MUL', 'ADD'],
  },
  {
    name: 'LayerNormalization over the last two axes (axis=-2), no bias, large epsilon',
    spec: graph([3, 4, 6], [node('LayerNormalization', ['x', 's'], ['y'], { axis: { i: -2 }, epsilon: { f: 0.1 } })], [weight('s', [4, 6], 3, 1)]),
    ops: ['MEAN', 'SUB', 'MUL', 'MEAN', 'ADD', 'RSQRT', 'MUL', 'MUL'],
  },
  {
    name: "ConvNeXt's LayerNorm2d: conv, permute to NHWC, LayerNormalization, permute back (no transposes around the norm)",
    spec: graph([1, 3, 5, 5], [
      node('Conv', ['x', 'w'], ['c']),
      node('Transpose', ['c'], ['t'], { perm: { ints: [0, 2, 3, 1] } }),
      node('LayerNormalization', ['t', 's', 'b'], ['n'], { epsilon: { f: 1e-6 } }),
      node('Transpose', ['n'], ['y'], { perm: { ints: [0, 3, 1, 2] } }),
    ], [weight('w', [8, 3, 1, 1], 4), weight('s', [8], 5, 1), weight('b', [8], 6)]),
    ops: ['TRANSPOSE', 'CONV_2D', 'MEAN', 'SUB', 'MUL', 'MEAN', 'ADD', 'RSQRT', 'MUL', 'MUL', 'ADD', 'TRANSPOSE'],
  },
  {
    name: 'exact GELU written out (TorchScript): x * (1 + erf(x / sqrt 2)) * 0.5 fuses into one GELU',
    spec: graph([2, 16], [
      node('Div', ['x', 'sqrt2'], ['d']), node('Erf', ['d'], ['e']), node('Add', ['e', 'one'], ['a']),
      node('Mul', ['x', 'a'], ['m']), node('Mul', ['m', 'half'], ['y']),
    ], [f32('sqrt2', [], [1.4142135381698608]), f32('one', [], [1]), f32('half', [], [0.5])], 13),
    ops: ['GELU'],
    check: (o) => expect(o[0]!.options.approximate ?? 0).toBe(0),
  },
  {
    name: 'exact GELU, other orders: (x * 0.5) * (1 + erf(x * 1/sqrt 2)) and ((1 + erf) * 0.5) * x',
    spec: graph([2, 16], [
      node('Mul', ['x', 'rsqrt2'], ['d']), node('Erf', ['d'], ['e']), node('Add', ['one', 'e'], ['a']),
      node('Mul', ['x', 'half'], ['h']), node('Mul', ['h', 'a'], ['g']),
      node('Div', ['g', 'sqrt2'], ['d2']), node('Erf', ['d2'], ['e2']), node('Add', ['e2', 'one'], ['a2']),
      node('Mul', ['a2', 'half'], ['h2']), node('Mul', ['g', 'h2'], ['y']),
    ], [f32('rsqrt2', [], [Math.SQRT1_2]), f32('sqrt2', [], [Math.SQRT2]), f32('one', [], [1]), f32('half', [], [0.5])], 13),
    ops: ['GELU', 'GELU'],
  },
  {
    name: 'Pow: x^2 as MUL, |x|^0.5 as SQRT, |x|^-0.5 as RSQRT, |x|^1.5 as POW, x^1 as nothing',
    spec: graph([2, 3, 4], [
      node('Pow', ['x', 'two'], ['p2']), node('Abs', ['x'], ['ax']), node('Add', ['ax', 'one'], ['ax1']),
      node('Pow', ['ax1', 'half'], ['p05']), node('Pow', ['ax1', 'mhalf'], ['pm']), node('Pow', ['ax1', 'th'], ['p15']),
      node('Pow', ['p2', 'one'], ['p1']),
      node('Add', ['p1', 'p05'], ['s1']), node('Add', ['s1', 'pm'], ['s2']), node('Add', ['s2', 'p15'], ['y']),
    ], [f32('two', [], [2]), f32('one', [], [1]), f32('half', [], [0.5]), f32('mhalf', [], [-0.5]), f32('th', [1], [1.5])], 15),
    ops: ['MUL', 'ABS', 'ADD', 'SQRT', 'RSQRT', 'POW', 'ADD', 'ADD', 'ADD'],
  },
  {
    name: 'comparisons, Not and Where at run time: SELECT_V2 between float tensors',
    spec: graph([2, 3, 4], [
      node('Less', ['x', 'k'], ['lt']), node('Mul', ['x', 'two'], ['x2']),
      node('Where', ['lt', 'x', 'x2'], ['w1']),
      node('GreaterOrEqual', ['w1', 'k'], ['ge']), node('Not', ['ge'], ['nge']),
      node('Where', ['nge', 'w1', 'zero'], ['w2']),
      node('Greater', ['w2', 'x'], ['gt']), node('LessOrEqual', ['x', 'zero'], ['le']), node('Equal', ['x', 'x'], ['eq']),
      node('Where', ['gt', 'w2', 'x'], ['w3']), node('Where', ['le', 'w3', 'x2'], ['w4']), node('Where', ['eq', 'w4', 'zero'], ['y']),
    ], [f32('k', [4], [0.1, -0.2, 0.3, 0]), f32('two', [], [2]), f32('zero', [], [0])]),
    ops: ['LESS', 'MUL', 'SELECT_V2', 'GREATER_EQUAL', 'LOGICAL_NOT', 'SELECT_V2', 'GREATER', 'LESS_EQUAL', 'EQUAL', 'SELECT_V2', 'SELECT_V2', 'SELECT_V2'],
  },
  {
    name: 'Where with a constant bool condition (masked_fill on a run-time tensor)',
    spec: graph([2, 4], [node('Where', ['m', 'fill', 'x'], ['y'])], [bools('m', [4], [1, 0, 0, 1]), f32('fill', [], [-100])]),
    ops: ['SELECT_V2'],
  },
  {
    name: 'Expand to a larger rank (BROADCAST_TO) and Tile (TILE)',
    spec: graph([4, 1], [node('Expand', ['x', 'sh'], ['e']), node('Tile', ['e', 'reps'], ['y'])], [int64s('sh', [2, 4, 3]), int64s('reps', [1, 2, 2])], 13),
    ops: ['RESHAPE', 'BROADCAST_TO', 'TILE'],
  },
  {
    name: 'Expand and Tile on a conv output (NHWC layout: multiples and shape permuted)',
    spec: graph([1, 2, 3, 3], [node('Conv', ['x', 'w'], ['c']), node('Expand', ['c', 'sh'], ['e']), node('Tile', ['e', 'reps'], ['y'])],
      [weight('w', [1, 2, 1, 1], 7), int64s('sh', [1, 4, 3, 3]), int64s('reps', [1, 1, 2, 3])], 13),
    ops: ['TRANSPOSE', 'CONV_2D', 'BROADCAST_TO', 'TILE', 'TRANSPOSE'],
  },
  {
    name: 'GatherND with constant indices (negative ones too)',
    spec: graph([3, 4, 5], [node('GatherND', ['x', 'ix'], ['y'])], [{ name: 'ix', dims: [2, 2], dataType: DT.INT64, values: [0, 1, -1, 3] }], 13),
    ops: ['GATHER_ND'],
  },
  {
    name: 'Gather on run-time data with constant indices: on a conv output (NHWC axis position) and a scalar index dropping the axis',
    spec: graph([1, 3, 4, 5], [
      node('Conv', ['x', 'w'], ['c']), node('Gather', ['c', 'ix'], ['g'], { axis: { i: 3 } }),
      node('Gather', ['g', 'one'], ['y'], { axis: { i: 1 } }),
    ], [weight('w', [4, 3, 1, 1], 13), { name: 'ix', dims: [2, 3], dataType: DT.INT64, values: [4, 0, -1, 2, 2, 1] }, { name: 'one', dims: [], dataType: DT.INT64, values: [1] }], 13),
    ops: ['TRANSPOSE', 'CONV_2D', 'GATHER', 'GATHER'], // gathering away C leaves the NHWC order logical
  },
  {
    name: 'F.normalize(x, dim=-1): ReduceL2 (opset 13 attribute), Clip(min), Expand, Div',
    spec: graph([2, 3, 8], [
      node('ReduceL2', ['x'], ['n'], { axes: { ints: [-1] }, keepdims: { i: 1 } }), node('Clip', ['n', 'eps'], ['c']),
      node('Expand', ['c', 'sh'], ['e']), node('Div', ['x', 'e'], ['y']),
    ], [f32('eps', [], [1e-12]), int64s('sh', [2, 3, 8])], 13),
    ops: ['MUL', 'SUM', 'SQRT', 'MAXIMUM', 'BROADCAST_TO', 'DIV'],
  },
  {
    name: 'ReduceL2-18 with axes as an input, keepdims 0, on a conv output',
    spec: graph([1, 3, 4, 4], [node('Conv', ['x', 'w'], ['c']), node('ReduceL2', ['c', 'ax'], ['y'], { keepdims: { i: 0 } })], [weight('w', [5, 3, 1, 1], 8), int64s('ax', [2, 3])], 18),
    ops: ['TRANSPOSE', 'CONV_2D', 'MUL', 'SUM', 'SQRT'],
  },
  {
    name: "Einsum 'bhwc,hkc->bhwk' with a constant second operand (BATCH_MATMUL over h)",
    spec: graph([2, 3, 4, 5], [node('Einsum', ['x', 'r'], ['y'], { equation: { s: 'bhwc,hkc->bhwk' } })], [weight('r', [3, 6, 5], 9)], 12),
  },
  {
    name: "Einsum 'bij,bjk->bik' and '...ij,...jk->...ik' on run-time operands, 'ij->ji', implicit 'ij,jk'",
    spec: { opset: 12, inputs: [{ name: 'x', shape: [2, 3, 4] }, { name: 'v', shape: [2, 4, 5] }], outputs: [{ name: 'y', shape: null }, { name: 'z', shape: null }],
      nodes: [
        node('Einsum', ['x', 'v'], ['p'], { equation: { s: 'bij,bjk->bik' } }),
        node('Einsum', ['p', 'v'], ['q'], { equation: { s: '...ik,...jk->...ij' } }),
        node('Einsum', ['q', 'x'], ['y'], { equation: { s: '...ij,...kj->...ik' } }),
        node('Einsum', ['w'], ['wt'], { equation: { s: 'ij->ji' } }),
        node('Einsum', ['y', 'wt'], ['z'], { equation: { s: 'bij,jk' } }),
      ], initializers: [weight('w', [6, 3], 10)] },
  },
  {
    name: "MaxViT's attention einsums (upper case, spaces, 5-D): 'B G H I D, B G H J D -> B G H I J' then 'B G H I J, B G H J D -> B G H I D'; four batch letters merged",
    spec: { opset: 12, inputs: [{ name: 'x', shape: [1, 2, 3, 4, 5] }, { name: 'v', shape: [1, 2, 3, 6, 5] }, { name: 'w', shape: [2, 1, 2, 3, 4, 5] }],
      outputs: [{ name: 'y', shape: null }, { name: 'z', shape: null }, { name: 'u', shape: null }],
      nodes: [
        node('Einsum', ['w', 'w'], ['u'], { equation: { s: 'abcdij,abcdkj->dcbaik' } }),
        node('Einsum', ['x', 'v'], ['s'], { equation: { s: 'B G H I D, B G H J D -> B G H I J' } }),
        node('Einsum', ['s', 'v'], ['y'], { equation: { s: 'B G H I J, B G H J D -> B G H I D' } }),
        node('Einsum', ['y', 'x'], ['z'], { equation: { s: 'abcij,abcik->cbajk' } }),
      ] },
  },
  {
    name: 'MatMul with a constant first operand: FULLY_CONNECTED on B^T, result kept transposed as a layout',
    spec: graph([2, 4, 5], [node('MatMul', ['a', 'x'], ['m']), node('Relu', ['m'], ['y'])], [weight('a', [3, 4], 11)], 13),
    ops: ['TRANSPOSE', 'FULLY_CONNECTED', 'RELU', 'TRANSPOSE'],
  },
  {
    name: 'MatMul of rank 4 by rank 3 (batch broadcasting), and q @ k^T uses adj_y instead of a TRANSPOSE',
    spec: { opset: 13, inputs: [{ name: 'x', shape: [2, 3, 4, 5] }, { name: 'k', shape: [3, 6, 5] }], outputs: [{ name: 'y', shape: null }],
      nodes: [node('Transpose', ['k'], ['kt'], { perm: { ints: [0, 2, 1] } }), node('MatMul', ['x', 'kt'], ['s']), node('MatMul', ['s', 'c'], ['y'])],
      initializers: [weight('c', [3, 6, 2], 12)] },
    ops: ['BATCH_MATMUL', 'BATCH_MATMUL'],
    check: (o) => expect(o[0]!.options.adj_y).toBe(1),
  },
];

describe('transformer lowerings: structure and numbers (onnxruntime-node vs LiteRT.js)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const conv = await convertSpec(c.spec);
      if (c.ops) expect(conv.ops).toEqual(c.ops);
      c.check?.(conv.model.operators);
      const r = await verify(conv);
      expect(r.problems).toEqual([]);
      expect(r.maxRef).toBeGreaterThan(0.5);
      expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
    });
  }
});

describe('constant folder: constant chains are evaluated at conversion time, never lowered', () => {
  it("Swin's shifted-window mask and Swin v2's position-bias MLP fold away: only the run-time ADD is left", async () => {
    const spec: ModelSpec = graph([4, 4, 4], [
      // attention mask: zeros, regions numbered by ScatterND, windows, pairwise differences, masked_fill
      { op: 'ConstantOfShape', inputs: ['hw'], outputs: ['img'], attrs: { value: { t: { name: 'v', dims: [1], values: [0] } } } },
      node('ScatterND', ['img', 'ix', 'upd'], ['regions'], { reduction: { s: 'none' } }),
      node('Reshape', ['regions', 'win'], ['r4']), node('Transpose', ['r4'], ['t4'], { perm: { ints: [0, 2, 1, 3] } }),
      node('Reshape', ['t4', 'flat'], ['wins']),
      node('Unsqueeze', ['wins', 'ax1'], ['u1']), node('Unsqueeze', ['wins', 'ax2'], ['u2']), node('Sub', ['u1', 'u2'], ['diff']),
      node('Equal', ['diff', 'zero'], ['same']), node('Not', ['same'], ['other']),
      node('Where', ['other', 'm100', 'zero'], ['mask']),
      // a Range/Mod/Cast/Expand/Tile chain and comparisons
      node('Range', ['r0', 'r4n', 'r1'], ['rng']), node('Mod', ['rng', 'two'], ['parity']), node('Cast', ['parity'], ['pf'], { to: { i: DT.FLOAT } }),
      node('Expand', ['pf', 'sh3'], ['pe']), node('Tile', ['pe', 'reps'], ['pt']),
      node('Less', ['pt', 'half'], ['even']), node('Greater', ['pt', 'half'], ['odd']), node('Where', ['even', 'pt', 'pt'], ['pw']),
      // position-bias MLP on a constant table: MatMul, Relu, MatMul, Sigmoid, Pow, ReduceL2, GatherND, Exp
      node('MatMul', ['table', 'w1'], ['h1']), node('Relu', ['h1'], ['h2']), node('MatMul', ['h2', 'w2'], ['h3']),
      node('Sigmoid', ['h3'], ['h4']), node('Pow', ['h4', 'two_f'], ['h5']), node('ReduceL2', ['h5', 'rax'], ['h6'], { keepdims: { i: 1 } }),
      node('GatherND', ['h5', 'gix'], ['h7']), node('Clip', ['h6', '', 'cmax'], ['h6c']), node('Exp', ['h6c'], ['h8']), node('Mul', ['h7', 'h8'], ['bias']),
      node('Add', ['mask', 'pw'], ['m1']), node('Add', ['m1', 'bias'], ['m2']), node('Add', ['x', 'm2'], ['y']),
    ], [
      int64s('hw', [4, 4]),
      { name: 'ix', dims: [6, 2], dataType: DT.INT64, values: [2, 0, 2, 1, 3, 0, 3, 1, 2, 3, 0, 3] }, f32('upd', [6], [1, 1, 1, 1, 2, 3]),
      int64s('win', [2, 2, 2, 2]), int64s('flat', [4, 4]), int64s('ax1', [1]), int64s('ax2', [2]),
      f32('zero', [], [0]), f32('m100', [], [-100]),
      { name: 'r0', dims: [], dataType: DT.INT64, values: [0] }, { name: 'r4n', dims: [], dataType: DT.INT64, values: [4] },
      { name: 'r1', dims: [], dataType: DT.INT64, values: [1] }, { name: 'two', dims: [], dataType: DT.INT64, values: [2] },
      int64s('sh3', [2, 1, 4]), int64s('reps', [2, 4, 1]), f32('half', [], [0.5]), f32('two_f', [], [2]),
      weight('table', [4, 2], 20, 2), weight('w1', [2, 8], 21), weight('w2', [8, 4], 22),
      { name: 'gix', dims: [4, 1], dataType: DT.INT64, values: [3, 2, 1, 0] }, int64s('rax', [1]), f32('cmax', [], [0.9]),
    ], 18);
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(['ADD']);
    const r = await verify(conv);
    expect(r.problems).toEqual([]);
    expect(r.maxRef).toBeGreaterThan(50); // the -100 mask entries reach the output
    expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  });

  it("an empty constant slice (Swin's unshifted stage slices its mask [-7:0]) folds like any other constant", async () => {
    const spec: ModelSpec = graph([2, 4], [
      node('Slice', ['c', 'st', 'en'], ['empty']), node('Concat', ['c', 'empty'], ['cc'], { axis: { i: 0 } }), node('Add', ['x', 'cc'], ['y']),
    ], [f32('c', [4], [1, -2, 3, -4]), int64s('st', [-2]), int64s('en', [0])], 13);
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(['ADD']);
    const r = await verify(conv);
    expect(r.problems).toEqual([]);
    expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  });
});

describe('refusals name what is not converted', () => {
  const refusedBy = (spec: ModelSpec) => {
    const loaded = readOnnxFile(writeModel(spec));
    return convertModel(loaded).blockers.map(({ op, code, args }) => ({ op, code, args }));
  };
  it('Einsum forms outside the supported set, Mod at run time, GatherND batch_dims', () => {
    const blockers = refusedBy(graph([3, 3], [
      node('Einsum', ['x'], ['d'], { equation: { s: 'ii->i' } }),
      node('Einsum', ['x', 'x'], ['s'], { equation: { s: 'ij,jk->i' } }),
      node('Mod', ['x', 'x'], ['m'], { fmod: { i: 1 } }),
      node('GatherND', ['x', 'gi'], ['g'], { batch_dims: { i: 1 } }),
      node('Concat', ['d', 's', 'g'], ['c'], { axis: { i: 0 } }), node('Add', ['m', 'm'], ['y']),
    ], [{ name: 'gi', dims: [3, 1], dataType: DT.INT64, values: [0, 1, 2] }], 13));
    expect(blockers).toEqual(expect.arrayContaining([
      { op: 'Einsum', code: 'einsum-unsupported', args: { equation: 'ii->i', feature: 'diagonal', letters: 'ii' } },
      { op: 'Einsum', code: 'einsum-unsupported', args: { equation: 'ij,jk->i', feature: 'summed-within', letters: 'k' } },
      { op: 'Mod', code: 'constant-only', args: {} },
      { op: 'GatherND', code: 'attr-unsupported', args: { attr: 'batch_dims', value: 1, supported: '0' } },
    ]));
  });
});

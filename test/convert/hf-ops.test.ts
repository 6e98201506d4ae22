/**
 * Ops HuggingFace transformers exports carry (torch.onnx, both exporters), each on a small real ONNX
 * model: the TFLite structure, and onnxruntime-node vs LiteRT.js on seeded standard-normal inputs
 * (tolerance 1e-4 * max(1, max|y|), the verifier's).
 */
import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/convert.js';
import { convertFile } from '../../src/convert/index.js';
import { readOnnxFile } from '../../src/onnx/read.js';
import { runOnnx } from '../../src/verify/onnxrt.js';
import { runTflite } from '../../src/verify/litert.js';
import { intInputFeeds, placeSpecials } from '../../src/verify/int-inputs.js';
import { refusalText } from '../../src/report/refusal.js';
import { convertNoteText } from '../../src/report/convert.js';
import { DT, weight, type ModelSpec, type NodeSpec, type TensorSpec } from './helpers/onnx-builder.js';
import { convertSpec, expectVerified, verify, writeModel } from './helpers/run.js';

const node = (op: string, inputs: string[], outputs: string[], attrs: NodeSpec['attrs'] = {}): NodeSpec => ({ op, inputs, outputs, attrs });
const f32 = (name: string, dims: number[], values: number[]): TensorSpec => ({ name, dims, values });
function graph(input: number[], nodes: NodeSpec[], initializers: TensorSpec[] = [], opset = 17): ModelSpec {
  return { opset, inputs: [{ name: 'x', shape: input }], outputs: [{ name: 'y', shape: null }], nodes, initializers };
}

describe('IsNaN (torch SDPA export: Where(IsNaN(softmax), 0, softmax))', () => {
  it('NOT_EQUAL(x, x) at run time: Sqrt of standard-normal inputs is NaN on about half the elements, and all of them are caught', async () => {
    const spec = graph([4, 16], [
      node('Sqrt', ['x'], ['s']), node('IsNaN', ['s'], ['nan']), node('Where', ['nan', 'zero', 's'], ['z']), node('Add', ['z', 'x'], ['y']),
    ], [f32('zero', [], [0])], 20);
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(['SQRT', 'NOT_EQUAL', 'SELECT_V2', 'ADD']);
    await expectVerified(conv, 0.5);
  });

  it('the SDPA form at opset 13 (TorchScript) and 20 (dynamo) converts exactly', async () => {
    for (const opset of [13, 20]) {
      const conv = await convertSpec(graph([2, 3, 8], [
        node('Softmax', ['x'], ['p'], { axis: { i: -1 } }), node('IsNaN', ['p'], ['nan']), node('Where', ['nan', 'zero', 'p'], ['q']), node('Add', ['q', 'x'], ['y']),
      ], [f32('zero', [], [0])], opset));
      expect(conv.ops).toEqual(['SOFTMAX', 'NOT_EQUAL', 'SELECT_V2', 'ADD']);
      const r = await verify(conv);
      expect(r.problems).toEqual([]);
      expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
    }
  });

  it('on a constant it folds away (NaN, infinities and numbers)', async () => {
    const spec = graph([4], [node('IsNaN', ['c'], ['nan']), node('Where', ['nan', 'x', 'c'], ['y'])], [f32('c', [4], [Number.NaN, Infinity, -1, 0])], 13);
    const { ir, blockers } = convertModel(await readOnnxFile(writeModel(spec)));
    expect(blockers).toEqual([]);
    expect(ir.nodes.map((n) => n.op)).toEqual(['Where']);
    expect(Array.from(ir.values.get('nan')!.const!.data)).toEqual([1, 0, 0, 0]);
  });
});

/**
 * A BERT-style text model in miniature: int64 input_ids into an embedding (Gather of an initializer),
 * an int64 attention_mask cast to bool, AND-ed with a constant bool mask and turned into a float
 * bias by Where, as torch exports HF's sdpa mask; logits of a sane scale (|y| up to ~3).
 */
function textModel(opset = 17): ModelSpec {
  return {
    opset,
    inputs: [{ name: 'input_ids', shape: [1, 6], elemType: DT.INT64 }, { name: 'attention_mask', shape: [1, 6], elemType: DT.INT64 }],
    outputs: [{ name: 'y', shape: null }],
    nodes: [
      node('Gather', ['emb', 'input_ids'], ['e'], { axis: { i: 0 } }), // [1, 6, 4]
      node('Cast', ['attention_mask'], ['mb'], { to: { i: DT.BOOL } }),
      node('Unsqueeze', ['mb', 'ax1'], ['mb1']), // [1, 1, 6]
      node('And', ['mb1', 'causal'], ['keep']), // [1, 6, 6]
      node('Where', ['keep', 'zero', 'neg'], ['bias']),
      node('MatMul', ['e', 'wk'], ['k']), node('Transpose', ['k'], ['kt'], { perm: { ints: [0, 2, 1] } }),
      node('MatMul', ['e', 'kt'], ['s']), node('Add', ['s', 'bias'], ['sb']), node('Softmax', ['sb'], ['p'], { axis: { i: -1 } }),
      node('MatMul', ['p', 'e'], ['c']),
      node('Cast', ['attention_mask'], ['mf'], { to: { i: DT.FLOAT } }), node('Unsqueeze', ['mf', 'ax2'], ['mf2']), // [1, 6, 1]
      node('Mul', ['c', 'mf2'], ['y']),
    ],
    initializers: [
      weight('emb', [50, 4], 3, 2), weight('wk', [4, 4], 4),
      { name: 'causal', dims: [6, 6], dataType: DT.BOOL, values: Array.from({ length: 36 }, (_, i) => (i % 6 <= Math.floor(i / 6) ? 1 : 0)) },
      f32('zero', [], [0]), f32('neg', [], [-3.4028234663852886e38]),
      { name: 'ax1', dims: [1], dataType: DT.INT64, values: [1] }, { name: 'ax2', dims: [1], dataType: DT.INT64, values: [2] },
    ],
  };
}

describe('integer inputs (HF input_ids, attention_mask): int64 in ONNX, int32 in the .tflite', () => {
  it('token ids index the embedding through FLOOR_MOD + GATHER; the mask is CAST, LOGICAL_AND, SELECT_V2; verify feeds ids in [0, 50) and 0/1 masks', async () => {
    const conv = await convertSpec(textModel());
    expect(conv.ops).toEqual(expect.arrayContaining(['FLOOR_MOD', 'GATHER', 'CAST', 'LOGICAL_AND', 'SELECT_V2']));
    expect(conv.model.tensors[conv.model.inputs[0]!]!.type).toBe('INT32');
    expect(conv.model.tensors[conv.model.inputs[1]!]!.type).toBe('INT32');
    expect(intInputFeeds(conv.onnxPath, ['input_ids', 'attention_mask']).bounds).toEqual(new Map([['input_ids', 50], ['attention_mask', 2]]));
    await expectVerified(conv, 0.5);
  });

  it('negative token ids count from the end of the table as in onnxruntime (ids in [-50, 50), mask with zeros)', async () => {
    const conv = await convertSpec(textModel());
    const ids = [-50, -1, 0, 49, -7, 13];
    const mask = [1, 0, 1, 1, 0, 1];
    const ref = await runOnnx(conv.onnxPath, {
      input_ids: { dims: [1, 6], data: BigInt64Array.from(ids, BigInt) },
      attention_mask: { dims: [1, 6], data: BigInt64Array.from(mask, BigInt) },
    });
    const { readFileSync } = await import('node:fs');
    const cand = await runTflite(new Uint8Array(readFileSync(conv.tflitePath)), [
      { name: 'input_ids', dims: [1, 6], data: Int32Array.from(ids) }, { name: 'attention_mask', dims: [1, 6], data: Int32Array.from(mask) },
    ]);
    expect(cand.errors).toEqual([]);
    const a = Array.from(ref.outputs[0]!.data as Float32Array);
    const b = Array.from(cand.outputs[0]!.data as Float32Array);
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.5);
    // tolerance 1e-4 * max(1, max|y|), the verifier's
    const tol = 1e-4 * Math.max(1, ...a.map(Math.abs));
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(tol));
  });

  it('the conversion says the inputs are int32 in the .tflite', async () => {
    const { ir, blockers } = convertModel(await readOnnxFile(writeModel(textModel())));
    expect(blockers).toEqual([]);
    expect(ir.notes).toEqual([{ code: 'int64-input-as-int32', input: 'input_ids' }, { code: 'int64-input-as-int32', input: 'attention_mask' }]);
  });

  it('int32 bool and float casts: a cast to int64 stays int32, bool -> float and int -> float are one CAST each', async () => {
    const spec: ModelSpec = {
      opset: 19,
      inputs: [{ name: 'm', shape: [2, 5], elemType: DT.INT32 }, { name: 'x', shape: [2, 5] }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [
        node('Cast', ['m'], ['m64'], { to: { i: DT.INT64 } }), node('Cast', ['m64'], ['b'], { to: { i: DT.BOOL } }),
        node('Cast', ['b'], ['bf'], { to: { i: DT.FLOAT } }), node('Cast', ['m64'], ['mf'], { to: { i: DT.FLOAT } }),
        node('Mul', ['x', 'bf'], ['xb']), node('Add', ['xb', 'mf'], ['y']),
      ],
    };
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(['CAST', 'CAST', 'CAST', 'MUL', 'ADD']);
    const r = await verify(conv);
    expect(r.problems).toEqual([]);
    expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  });

  it('refused: int64 arithmetic that leaves int32 even for inputs within [-1, 1], a float -> int cast, a bool/int32 mix in And', async () => {
    const ints = [{ name: 'ids', shape: [4], elemType: DT.INT64 }];
    const arith: ModelSpec = { opset: 17, inputs: ints, outputs: [{ name: 'y', shape: null }], nodes: [node('Mul', ['ids', 'big'], ['s']), node('Cast', ['s'], ['y'], { to: { i: DT.FLOAT } })], initializers: [{ name: 'big', dims: [], dataType: DT.INT64, values: [3e9] }] };
    const toInt: ModelSpec = { opset: 17, inputs: [{ name: 'x', shape: [4] }], outputs: [{ name: 'y', shape: null }], nodes: [node('Cast', ['x'], ['i'], { to: { i: DT.INT64 } }), node('Cast', ['i'], ['y'], { to: { i: DT.FLOAT } })] };
    const mix: ModelSpec = { opset: 17, inputs: ints, outputs: [{ name: 'y', shape: null }], nodes: [node('Cast', ['ids'], ['b'], { to: { i: DT.BOOL } }), node('And', ['b', 'ids'], ['a']), node('Cast', ['a'], ['y'], { to: { i: DT.FLOAT } })] };
    const blockersOf = async (m: ModelSpec) => convertModel(await readOnnxFile(writeModel(m))).blockers.map(({ op, code, args }) => ({ op, code, args }));
    expect(await blockersOf(arith)).toEqual([{ op: 'Mul', code: 'int64-overflow', args: { lo: -3000000000, hi: 3000000000 } }]);
    expect(await blockersOf(toInt)).toEqual([{ op: 'Cast', code: 'cast-unsupported', args: { from: DT.FLOAT, to: DT.INT64 } }]);
    expect(await blockersOf(mix)).toEqual([{ op: 'And', code: 'dtype-unsupported', args: { value: 'ids', dtype: DT.INT64, role: 'input', expected: 'bool' } }]);
  });

  it('--quantize int8 is refused up front: calibration samples are float arrays, not token ids', async () => {
    await expect(convertFile(writeModel(textModel()), { quantize: { mode: 'int8', calibration: 'random' } })).rejects.toThrow(/input 'input_ids' is an integer tensor/);
  });
});

describe('GatherElements (HF BERT: the token_type_ids buffer gathered at the position ids)', () => {
  it('folds on constants (axes 1 and 0 of rank 3, negative indices, fewer rows than the data): onnxruntime agrees on the values', async () => {
    const idx1 = { name: 'i1', dims: [2, 2, 4], dataType: DT.INT64, values: [0, 2, -1, 1, 2, 2, 0, -3, 1, 0, 0, 2, -2, 1, 2, 0] };
    const idx0 = { name: 'i0', dims: [1, 2, 4], dataType: DT.INT64, values: [1, 0, -1, 1, 0, 0, 1, -2] };
    const conv = await convertSpec(graph([2, 2, 4], [
      node('GatherElements', ['d', 'i1'], ['g1'], { axis: { i: 1 } }), node('GatherElements', ['d', 'i0'], ['g0'], { axis: { i: -3 } }),
      node('Add', ['x', 'g1'], ['a']), node('Add', ['a', 'g0'], ['y']),
    ], [weight('d', [2, 3, 4], 9, 2), idx1, idx0], 13));
    expect(conv.ops).toEqual(['ADD', 'ADD']);
    await expectVerified(conv, 0.5);
  });

  it('on run-time data with constant indices it is GATHER_ND over the coordinate grid (axes 1 and 0 of rank 3, negative indices, fewer rows)', async () => {
    const idx1 = { name: 'i1', dims: [2, 2, 4], dataType: DT.INT64, values: [0, 2, -1, 1, 2, 2, 0, -3, 1, 0, 0, 2, -2, 1, 2, 0] };
    const idx0 = { name: 'i0', dims: [1, 2, 4], dataType: DT.INT64, values: [1, 0, -1, 1, 0, 0, 1, -2] };
    const conv = await convertSpec(graph([2, 3, 4], [
      node('GatherElements', ['x', 'i1'], ['g1'], { axis: { i: 1 } }), node('GatherElements', ['x', 'i0'], ['g0'], { axis: { i: -3 } }),
      node('Add', ['g1', 'g0'], ['y']),
    ], [idx1, idx0], 13));
    expect(conv.ops).toEqual(['GATHER_ND', 'GATHER_ND', 'ADD']);
    await expectVerified(conv, 0.5);
  });

  it('run-time indices are refused', async () => {
    const spec: ModelSpec = { opset: 13, inputs: [{ name: 'x', shape: [2, 3] }, { name: 'i', shape: [2, 3], elemType: DT.INT64 }], outputs: [{ name: 'y', shape: null }],
      nodes: [node('GatherElements', ['x', 'i'], ['y'], { axis: { i: 1 } })], initializers: [] };
    const { blockers } = convertModel(await readOnnxFile(writeModel(spec)));
    expect(blockers).toEqual([expect.objectContaining({ op: 'GatherElements', code: 'const-input-required', args: { input: 'indices', index: 1 } })]);
  });
});

describe('Reciprocal (T5 RMS norm from the dynamo exporter: x * Reciprocal(Sqrt(mean(x^2) + eps)))', () => {
  it('DIV(1, x) at run time, folded on constants', async () => {
    const conv = await convertSpec(graph([2, 3, 8], [
      node('Mul', ['x', 'x'], ['sq']), node('ReduceMean', ['sq', 'ax'], ['ms'], { keepdims: { i: 1 } }), node('Add', ['ms', 'eps'], ['v']),
      node('Sqrt', ['v'], ['r']), node('Reciprocal', ['r'], ['inv']), node('Mul', ['x', 'inv'], ['n']),
      node('Reciprocal', ['c'], ['ic']), node('Mul', ['n', 'ic'], ['y']),
    ], [{ name: 'ax', dims: [1], dataType: DT.INT64, values: [-1] }, f32('eps', [], [1e-6]), f32('c', [8], [1, 2, 4, -0.5, 0.25, 3, -1, 0.8])], 18));
    expect(conv.ops).toEqual(['MUL', 'MEAN', 'ADD', 'SQRT', 'DIV', 'MUL', 'MUL']);
    await expectVerified(conv, 0.5);
  });
});

describe("Log and integer Abs (T5's relative position buckets, TorchScript exporter)", () => {
  it('LOG at run time', async () => {
    const conv = await convertSpec(graph([2, 8], [node('Mul', ['x', 'x'], ['sq']), node('Add', ['sq', 'one'], ['p']), node('Log', ['p'], ['l']), node('Add', ['l', 'x'], ['y'])], [f32('one', [], [1])], 13));
    expect(conv.ops).toEqual(['MUL', 'ADD', 'LOG', 'ADD']);
    await expectVerified(conv, 0.5);
  });

  it('a constant bucket chain folds away: |int64 positions| -> float -> Log -> scale -> int64 -> Gather of a bias table; onnxruntime agrees', async () => {
    const rel = Array.from({ length: 16 }, (_, i) => i - 8);
    const conv = await convertSpec(graph([16, 3], [
      node('Abs', ['rel'], ['a']), node('Max', ['a', 'one64'], ['a1']), node('Cast', ['a1'], ['af'], { to: { i: DT.FLOAT } }),
      node('Div', ['af', 'exact'], ['d']), node('Log', ['d'], ['l']), node('Div', ['l', 'lnmax'], ['q']), node('Mul', ['q', 'span'], ['s']),
      node('Cast', ['s'], ['b'], { to: { i: DT.INT64 } }), node('Gather', ['table', 'b'], ['bias'], { axis: { i: 0 } }), node('Add', ['x', 'bias'], ['y']),
    ], [{ name: 'rel', dims: [16], dataType: DT.INT64, values: rel }, { name: 'one64', dims: [], dataType: DT.INT64, values: [1] },
      f32('exact', [], [0.5]), f32('lnmax', [], [Math.log(16)]), f32('span', [], [4]), weight('table', [9, 3], 11, 2)], 13));
    expect(conv.ops).toEqual(['ADD']);
    await expectVerified(conv, 0.5);
  });
});

describe("Sin and Cos on constants (Llama's rotary tables, TorchScript exporter)", () => {
  it('the rotary chain folds away (positions x inverse frequencies, Sin, Cos); onnxruntime agrees on the values', async () => {
    const pos = Array.from({ length: 8 }, (_, i) => i);
    const inv = [1, 0.1, 0.01, 0.001];
    const conv = await convertSpec(graph([8, 4], [
      node('Unsqueeze', ['pos', 'ax1'], ['p1']), node('Mul', ['p1', 'inv'], ['ang']), node('Cos', ['ang'], ['c']), node('Sin', ['ang'], ['s']),
      node('Mul', ['x', 'c'], ['xc']), node('Add', ['xc', 's'], ['y']),
    ], [f32('pos', [8], pos), f32('inv', [4], inv), { name: 'ax1', dims: [1], dataType: DT.INT64, values: [1] }], 13));
    expect(conv.ops).toEqual(['MUL', 'ADD']);
    await expectVerified(conv, 0.5);
  });

  it('on run-time tensors they are SIN and COS; onnxruntime agrees', async () => {
    const conv = await convertSpec(graph([2, 16], [node('Mul', ['x', 'three'], ['a']), node('Sin', ['a'], ['s']), node('Cos', ['a'], ['c']), node('Add', ['s', 'c'], ['y'])],
      [f32('three', [1], [3])], 13));
    expect(conv.ops).toEqual(['MUL', 'SIN', 'COS', 'ADD']);
    await expectVerified(conv, 0.5);
  });
});

describe("InstanceNormalization (torch's GroupNorm export: Wav2Vec2's feature extractor)", () => {
  it('rank 3: GroupNorm(2 groups) as Reshape -> InstanceNormalization -> Reshape -> scale, bias', async () => {
    const conv = await convertSpec(graph([1, 4, 10], [
      node('Reshape', ['x', 'g'], ['xg']), node('InstanceNormalization', ['xg', 'ones', 'zeros'], ['ng'], { epsilon: { f: 1e-5 } }),
      node('Reshape', ['ng', 'back'], ['n']), node('Mul', ['n', 'w'], ['nw']), node('Add', ['nw', 'b'], ['y']),
    ], [{ name: 'g', dims: [3], dataType: DT.INT64, values: [1, 2, -1] }, { name: 'back', dims: [3], dataType: DT.INT64, values: [1, 4, 10] },
      f32('ones', [2], [1, 1]), f32('zeros', [2], [0, 0]), weight('w', [4, 1], 5, 1), weight('b', [4, 1], 6)], 17));
    expect(conv.ops).toEqual(expect.arrayContaining(['MEAN', 'SUB', 'RSQRT']));
    await expectVerified(conv, 0.5);
  });

  it('rank 4 after a conv (NHWC inside: spatial axes reduced at their physical positions), per-channel scale and bias', async () => {
    const conv = await convertSpec(graph([1, 3, 6, 5], [
      node('Conv', ['x', 'k'], ['c']), node('InstanceNormalization', ['c', 's', 'b'], ['y'], { epsilon: { f: 0.01 } }),
    ], [weight('k', [4, 3, 3, 3], 7), f32('s', [4], [1, -2, 0.5, 3]), f32('b', [4], [0.1, 0, -1, 2])], 22));
    expect(conv.ops).toEqual(['TRANSPOSE', 'CONV_2D', 'MEAN', 'SUB', 'MUL', 'MEAN', 'ADD', 'RSQRT', 'MUL', 'MUL', 'ADD', 'TRANSPOSE']);
    await expectVerified(conv, 0.5);
  });

  it('run-time scale is refused', async () => {
    const spec: ModelSpec = { opset: 17, inputs: [{ name: 'x', shape: [1, 2, 4] }, { name: 's', shape: [2] }], outputs: [{ name: 'y', shape: null }],
      nodes: [node('InstanceNormalization', ['x', 's', 'b'], ['y'])], initializers: [f32('b', [2], [0, 0])] };
    const { blockers } = convertModel(await readOnnxFile(writeModel(spec)));
    expect(blockers).toEqual([expect.objectContaining({ op: 'InstanceNormalization', code: 'const-input-required', args: { input: 'scale', index: 1 } })]);
    expect(refusalText(blockers[0]!)).toMatch(/scale \(input 1\) is not a constant/);
  });
});

describe('constant folds the TorchScript exports of BEiT and MobileViT need', () => {
  it("ReduceSum of an int64 constant (BEiT's relative position index): axes input (13) and attribute (11), keepdims 0 and 1; onnxruntime agrees", async () => {
    const vals = Array.from({ length: 24 }, (_, i) => (i * 7) % 11 - 5);
    for (const opset of [11, 13]) {
      const axes = opset >= 13 ? { inputs: ['c', 'ax'], attrs: {} } : { inputs: ['c'], attrs: { axes: { ints: [0, -1] } } };
      const conv = await convertSpec(graph([3], [
        node('ReduceSum', axes.inputs, ['s'], { ...axes.attrs, keepdims: { i: 0 } }), node('Cast', ['s'], ['f'], { to: { i: DT.FLOAT } }),
        node('ReduceSum', ['c'], ['all'], { keepdims: { i: 1 } }), node('Cast', ['all'], ['af'], { to: { i: DT.FLOAT } }),
        node('Add', ['x', 'f'], ['xf']), node('Add', ['xf', 'af'], ['y']),
      ], [{ name: 'c', dims: [2, 3, 4], dataType: DT.INT64, values: vals }, { name: 'ax', dims: [2], dataType: DT.INT64, values: [0, -1] }], opset));
      // both sums folded (y is [1, 1, 3]: the keepdims sum broadcasts x up a rank)
      expect(conv.ops).toEqual(['ADD', 'RESHAPE', 'ADD']);
      await expectVerified(conv, 0.5);
    }
  });

  it('Ceil of a constant folds (MobileViT patch grid); on a run-time tensor it is CEIL', async () => {
    const conv = await convertSpec(graph([4], [node('Ceil', ['c'], ['k']), node('Add', ['x', 'k'], ['y'])], [f32('c', [4], [1.5, -1.5, 2, -0.2])], 13));
    expect(conv.ops).toEqual(['ADD']);
    const r = await verify(conv);
    expect(r.problems).toEqual([]);
    expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
    // at run time: CEIL, exact (every output an integer)
    const run = await convertSpec(graph([2, 16], [node('Mul', ['x', 'four'], ['a']), node('Ceil', ['a'], ['y'])], [f32('four', [1], [4])], 13));
    expect(run.ops).toEqual(['MUL', 'CEIL']);
    const rr = await verify(run);
    expect(rr.problems).toEqual([]);
    expect(rr.maxRef).toBeGreaterThan(2);
    expect(rr.maxAbs).toBe(0);
  });
});

describe('int64 values are int32 tensors throughout the .tflite', () => {
  it('a Concat of an int64 constant (first) and int64 ids feeds GATHER; no INT64 tensor is written', async () => {
    const spec: ModelSpec = {
      opset: 13,
      inputs: [{ name: 'ids', shape: [1, 4], elemType: DT.INT64 }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [node('Concat', ['cls', 'ids'], ['all'], { axis: { i: 1 } }), node('Gather', ['emb', 'all'], ['y'], { axis: { i: 0 } })],
      initializers: [{ name: 'cls', dims: [1, 2], dataType: DT.INT64, values: [3, -1] }, weight('emb', [20, 5], 13, 2)],
    };
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(['CONCATENATION', 'FLOOR_MOD', 'GATHER']);
    expect(conv.model.tensors.filter((t) => t.type === 'INT64')).toEqual([]);
    await expectVerified(conv, 0.5);
  });
});

const i64 = (name: string, dims: number[], values: number[]): TensorSpec => ({ name, dims, dataType: DT.INT64, values });

/**
 * RoBERTa's position ids in miniature, as the dynamo exporter writes them (HF create_position_ids_from_input_ids):
 * mask = ids != pad; pos = cumsum(mask) * mask + pad, through int32 and back; the token_type_ids buffer (all
 * zeros) gathered at the positions. `out`: 'positions' outputs the position ids as floats (compared exactly),
 * 'embeddings' the summed word, position and token-type embeddings.
 */
function robertaPositions(out: 'positions' | 'embeddings'): ModelSpec {
  const pad = 1;
  const nodes = [
    node('Equal', ['input_ids', 'pad'], ['is_pad']), node('Not', ['is_pad'], ['keep']),
    node('Cast', ['keep'], ['keep32'], { to: { i: DT.INT32 } }), node('Cast', ['keep32'], ['keep64'], { to: { i: DT.INT64 } }),
    node('CumSum', ['keep64', 'axis'], ['count']), node('Cast', ['count'], ['count32'], { to: { i: DT.INT32 } }),
    node('Mul', ['count32', 'keep32'], ['masked']), node('Cast', ['masked'], ['masked64'], { to: { i: DT.INT64 } }),
    node('Add', ['masked64', 'pad'], ['pos']),
    ...(out === 'positions'
      ? [node('Cast', ['pos'], ['y'], { to: { i: DT.FLOAT } })]
      : [node('GatherElements', ['types', 'pos'], ['tt'], { axis: { i: 1 } }),
        node('Gather', ['word', 'input_ids'], ['w'], { axis: { i: 0 } }), node('Gather', ['posemb', 'pos'], ['p'], { axis: { i: 0 } }),
        node('Gather', ['ttemb', 'tt'], ['t'], { axis: { i: 0 } }), node('Add', ['w', 'p'], ['wp']), node('Add', ['wp', 't'], ['y'])]),
  ];
  return {
    opset: 18,
    inputs: [{ name: 'input_ids', shape: [1, 8], elemType: DT.INT64 }],
    outputs: [{ name: 'y', shape: null }],
    nodes,
    initializers: [
      i64('pad', [], [pad]), i64('axis', [], [1]), i64('types', [1, 12], new Array<number>(12).fill(0)),
      weight('word', [50, 4], 3, 2), weight('posemb', [12, 4], 5, 2), weight('ttemb', [1, 4], 7, 2),
    ],
  };
}

/** OPT's position ids (HF OPTLearnedPositionalEmbedding): cumsum(mask) * mask - 1, + 2 offset; int64 throughout. */
function optPositions(len: number): ModelSpec {
  return {
    opset: 17,
    inputs: [{ name: 'attention_mask', shape: [1, len], elemType: DT.INT64 }],
    outputs: [{ name: 'y', shape: null }],
    nodes: [
      node('CumSum', ['attention_mask', 'axis'], ['c']), node('Mul', ['c', 'attention_mask'], ['m']), node('Sub', ['m', 'one'], ['s']),
      node('Add', ['s', 'two'], ['pos']), node('Cast', ['pos'], ['y'], { to: { i: DT.FLOAT } }),
    ],
    initializers: [{ name: 'axis', dims: [], dataType: DT.INT32, values: [1] }, i64('one', [], [1]), i64('two', [], [2])],
  };
}

describe('run-time integer arithmetic (RoBERTa and OPT position ids): int32 kernels, int64 narrowing proven or bounded', () => {
  it("RoBERTa's positions: EQUAL, LOGICAL_NOT, CAST, CUMSUM, MUL, ADD on int32; exact (max |diff| 0) with the padding id fed where a tokenizer pads", async () => {
    const conv = await convertSpec(robertaPositions('positions'));
    expect(conv.ops).toEqual(['EQUAL', 'LOGICAL_NOT', 'CAST', 'CUMSUM', 'MUL', 'ADD', 'CAST']);
    expect(conv.model.tensors.filter((t) => t.type === 'INT64')).toEqual([]);
    // the positions come from a comparison's bools: within [1, 9] whatever the ids, so no bound is stated
    const { ir } = convertModel(await readOnnxFile(conv.onnxPath));
    expect(ir.notes.map((n) => n.code)).toEqual(['int64-input-as-int32']);
    // verify feeds the padding id (compared by Equal) at the middle and last quarter of each row
    expect(intInputFeeds(conv.onnxPath, ['input_ids']).specials).toEqual(new Map([['input_ids', [1]]]));
    const r = await verify(conv);
    expect(r.problems).toEqual([]);
    // no embedding bounds these ids, so they are drawn 0/1 (half of them the pad id) besides the placed pads:
    // positions count from 2 over the non-pad ids
    expect(r.maxRef).toBeGreaterThanOrEqual(2);
    expect(r.maxAbs).toBe(0);
  });

  it("RoBERTa's embeddings: the all-zero token_type_ids buffer gathered at run-time positions folds to zeros; onnxruntime agrees", async () => {
    const conv = await convertSpec(robertaPositions('embeddings'));
    expect(conv.ops).not.toContain('GATHER_ND');
    expect(conv.ops).toEqual(expect.arrayContaining(['EQUAL', 'CUMSUM', 'GATHER']));
    await expectVerified(conv, 0.5);
  });

  it('hand-picked ids (pads first, inside, last; negative ids) give the same positions as onnxruntime', async () => {
    const conv = await convertSpec(robertaPositions('positions'));
    const ids = [1, 1, 5, 1, 7, -3, 1, 49];
    const ref = await runOnnx(conv.onnxPath, { input_ids: { dims: [1, 8], data: BigInt64Array.from(ids, BigInt) } });
    const { readFileSync } = await import('node:fs');
    const cand = await runTflite(new Uint8Array(readFileSync(conv.tflitePath)), [{ name: 'input_ids', dims: [1, 8], data: Int32Array.from(ids) }]);
    expect(cand.errors).toEqual([]);
    expect(Array.from(ref.outputs[0]!.data as Float32Array)).toEqual([1, 1, 2, 1, 3, 4, 1, 5]);
    expect(Array.from(cand.outputs[0]!.data as Float32Array)).toEqual([1, 1, 2, 1, 3, 4, 1, 5]);
  });

  it("OPT's positions: CUMSUM of the int64 mask times the mask; the note bounds the mask at 11585 (16 x 11585^2 + 1 < 2^31), 0/1 masks exact", async () => {
    const conv = await convertSpec(optPositions(16));
    expect(conv.ops).toEqual(['CUMSUM', 'MUL', 'SUB', 'ADD', 'CAST']);
    const { ir, blockers } = convertModel(await readOnnxFile(conv.onnxPath));
    expect(blockers).toEqual([]);
    expect(ir.notes).toEqual([
      { code: 'int64-input-as-int32', input: 'attention_mask' },
      { code: 'int64-arithmetic-in-int32', inputs: ['attention_mask'], bound: 11585, nodes: ir.nodes.filter((n) => ['Mul', 'Sub', 'Add'].includes(n.op)).map((n) => n.name) },
    ]);
    expect(convertNoteText(ir.notes[1]!)).toMatch(/^int64 arithmetic on 'attention_mask' is computed in int32: exact while every value of it is within \[-11585, 11585\] \(0\/1 masks are\)/);
    const r = await verify(conv);
    expect(r.problems).toEqual([]);
    expect(r.maxRef).toBeGreaterThan(3);
    expect(r.maxAbs).toBe(0);
  });

  it('a mask within the stated bound is exact: all 11585 at sequence 16 reaches 16 x 11585^2 + 1 = 2147395601 in both runtimes', async () => {
    const conv = await convertSpec(optPositions(16));
    const mask = new Array<number>(16).fill(11585);
    const ref = await runOnnx(conv.onnxPath, { attention_mask: { dims: [1, 16], data: BigInt64Array.from(mask, BigInt) } });
    const { readFileSync } = await import('node:fs');
    const cand = await runTflite(new Uint8Array(readFileSync(conv.tflitePath)), [{ name: 'attention_mask', dims: [1, 16], data: Int32Array.from(mask) }]);
    expect(cand.errors).toEqual([]);
    // float32 outputs of equal integers: compared as the same rounded floats
    expect(Array.from(cand.outputs[0]!.data as Float32Array)).toEqual(Array.from(ref.outputs[0]!.data as Float32Array));
    expect((ref.outputs[0]!.data as Float32Array)[15]).toBe(Math.fround(16 * 11585 * 11585 + 1));
  });

  it("DeBERTa-v2's mask outer product (int64 Mul, then bool): bound 46340 (46340^2 < 2^31); beyond it the .tflite differs, as the note says", async () => {
    const spec: ModelSpec = {
      opset: 17,
      inputs: [{ name: 'attention_mask', shape: [1, 4], elemType: DT.INT64 }, { name: 'x', shape: [1, 4, 4] }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [
        node('Unsqueeze', ['attention_mask', 'ax2'], ['row']), node('Unsqueeze', ['attention_mask', 'ax1'], ['col']),
        node('Mul', ['row', 'col'], ['outer']), node('Cast', ['outer'], ['keep'], { to: { i: DT.BOOL } }),
        node('Where', ['keep', 'x', 'zero'], ['y']),
      ],
      initializers: [i64('ax1', [1], [1]), i64('ax2', [1], [2]), f32('zero', [], [0])],
    };
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(expect.arrayContaining(['MUL', 'CAST', 'SELECT_V2']));
    const { ir } = convertModel(await readOnnxFile(conv.onnxPath));
    expect(ir.notes.at(-1)).toMatchObject({ code: 'int64-arithmetic-in-int32', inputs: ['attention_mask'], bound: 46340 });
    await expectVerified(conv, 0.5);
    // 65536^2 = 2^32: nonzero in int64, 0 when wrapped to int32, so the .tflite masks what onnxruntime keeps
    const { readFileSync } = await import('node:fs');
    const x = Float32Array.from({ length: 16 }, () => 1);
    const mask = [65536, 1, 0, 1];
    const ref = await runOnnx(conv.onnxPath, { attention_mask: { dims: [1, 4], data: BigInt64Array.from(mask, BigInt) }, x: { dims: [1, 4, 4], data: x } });
    const cand = await runTflite(new Uint8Array(readFileSync(conv.tflitePath)), [{ name: 'attention_mask', dims: [1, 4], data: Int32Array.from(mask) }, { name: 'x', dims: [1, 4, 4], data: x }]);
    expect((ref.outputs[0]!.data as Float32Array)[0]).toBe(1);
    expect((cand.outputs[0]!.data as Float32Array)[0]).toBe(0);
  });

  it('CUMSUM on float tensors: exclusive and reverse, negative axis, after a conv (the axis follows the NHWC layout); onnxruntime agrees', async () => {
    const conv = await convertSpec(graph([1, 2, 5, 6], [
      node('Conv', ['x', 'k'], ['c']), node('CumSum', ['c', 'ax1'], ['s1'], { exclusive: { i: 1 }, reverse: { i: 1 } }),
      node('CumSum', ['s1', 'axm'], ['y']),
    ], [weight('k', [3, 2, 1, 1], 9), i64('ax1', [], [1]), { name: 'axm', dims: [1], dataType: DT.INT32, values: [-1] }], 14));
    expect(conv.ops).toEqual(['TRANSPOSE', 'CONV_2D', 'CUMSUM', 'CUMSUM', 'TRANSPOSE']);
    await expectVerified(conv, 0.5);
  });

  it('CumSum of constants folds (int64, exclusive + reverse); onnxruntime agrees', async () => {
    const conv = await convertSpec(graph([2, 3], [
      node('CumSum', ['c', 'ax'], ['s'], { exclusive: { i: 1 }, reverse: { i: 1 } }), node('Cast', ['s'], ['f'], { to: { i: DT.FLOAT } }), node('Add', ['x', 'f'], ['y']),
    ], [i64('c', [2, 3], [1, 2, 3, 4, 5, 6]), i64('ax', [], [1])], 14));
    expect(conv.ops).toEqual(['ADD']);
    await expectVerified(conv, 0.5);
  });

  it('integer comparisons (LESS on int32 ids against a constant) select float values', async () => {
    const spec: ModelSpec = {
      opset: 13, inputs: [{ name: 'ids', shape: [2, 6], elemType: DT.INT32 }, { name: 'x', shape: [2, 6] }], outputs: [{ name: 'y', shape: null }],
      nodes: [node('Less', ['ids', 'half'], ['lo']), node('Where', ['lo', 'x', 'zero'], ['y'])],
      initializers: [{ name: 'half', dims: [], dataType: DT.INT32, values: [1] }, f32('zero', [], [0])],
    };
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(['LESS', 'SELECT_V2']);
    await expectVerified(conv, 0.5);
  });

  it('SELECT_V2 between integers (masked ids replaced by a padding id, then looked up); onnxruntime agrees', async () => {
    const spec: ModelSpec = {
      opset: 16,
      inputs: [{ name: 'input_ids', shape: [1, 8], elemType: DT.INT64 }, { name: 'attention_mask', shape: [1, 8], elemType: DT.INT64 }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [
        node('Cast', ['attention_mask'], ['keep'], { to: { i: DT.BOOL } }), node('Where', ['keep', 'input_ids', 'pad'], ['ids']),
        node('Gather', ['emb', 'ids'], ['y'], { axis: { i: 0 } }),
      ],
      initializers: [i64('pad', [], [1]), weight('emb', [50, 4], 3, 2)],
    };
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(['CAST', 'SELECT_V2', 'FLOOR_MOD', 'GATHER']);
    // the ids reach the embedding through Where: fed in [0, 50)
    expect(intInputFeeds(conv.onnxPath, ['input_ids', 'attention_mask']).bounds).toEqual(new Map([['input_ids', 50], ['attention_mask', 2]]));
    await expectVerified(conv, 0.5);
  });

  it('placeSpecials pads each row: the middle position and the last quarter', () => {
    const d = Int32Array.from([10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 22, 23, 24, 25, 26, 27]);
    placeSpecials(d, [2, 8], [1]);
    expect(Array.from(d)).toEqual([10, 11, 12, 13, 1, 15, 1, 1, 20, 21, 22, 23, 1, 25, 1, 1]);
  });
});

/**
 * CLIP's pooled output in miniature, as the dynamo exporter writes it: the end-of-text position is
 * ArgMax(ids == eos), paired with its batch index for a run-time GatherND of the hidden states.
 */
function clipPooled(): ModelSpec {
  return {
    opset: 18,
    inputs: [{ name: 'input_ids', shape: [2, 8], elemType: DT.INT64 }],
    outputs: [{ name: 'y', shape: null }],
    nodes: [
      node('Gather', ['emb', 'input_ids'], ['h'], { axis: { i: 0 } }), // [2, 8, 4]
      node('Equal', ['input_ids', 'eos'], ['is_eos']), node('Cast', ['is_eos'], ['e32'], { to: { i: DT.INT32 } }),
      node('ArgMax', ['e32'], ['at'], { axis: { i: -1 }, keepdims: { i: 0 } }), node('Unsqueeze', ['at', 'ax1'], ['at1']), // [2, 1]
      node('Concat', ['batch', 'at1'], ['where'], { axis: { i: -1 } }), node('GatherND', ['h', 'where'], ['y']), // [2, 4]
    ],
    initializers: [
      weight('emb', [50, 4], 3, 2), i64('eos', [], [49]), i64('ax1', [1], [1]), i64('batch', [2, 1], [0, 1]),
    ],
  };
}

describe("ArgMax and run-time GatherND (CLIP's text model: the end-of-text position)", () => {
  it('EQUAL, CAST, ARG_MAX, CONCATENATION, FLOOR_MOD + GATHER_ND; verify feeds the eos id where a tokenizer pads; onnxruntime agrees', async () => {
    const conv = await convertSpec(clipPooled());
    expect(conv.ops).toEqual(expect.arrayContaining(['EQUAL', 'CAST', 'ARG_MAX', 'CONCATENATION', 'FLOOR_MOD', 'GATHER_ND']));
    expect(intInputFeeds(conv.onnxPath, ['input_ids']).specials).toEqual(new Map([['input_ids', [49]]]));
    await expectVerified(conv, 0.5);
  });

  it('hand-picked ids: eos first, inside, repeated (the first wins), absent (position 0); the same rows as onnxruntime', async () => {
    const conv = await convertSpec(clipPooled());
    const { readFileSync } = await import('node:fs');
    for (const ids of [[49, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 49, 5, 49, 7, 8], [1, 2, 3, 4, 5, 6, 7, 49, 1, 2, 3, 4, 5, 6, 7, 8]]) {
      const ref = await runOnnx(conv.onnxPath, { input_ids: { dims: [2, 8], data: BigInt64Array.from(ids, BigInt) } });
      const cand = await runTflite(new Uint8Array(readFileSync(conv.tflitePath)), [{ name: 'input_ids', dims: [2, 8], data: Int32Array.from(ids) }]);
      expect(cand.errors).toEqual([]);
      // a gathered row is copied, not computed: equal to the bit
      expect(Array.from(cand.outputs[0]!.data as Float32Array)).toEqual(Array.from(ref.outputs[0]!.data as Float32Array));
    }
  });

  it('ARG_MAX on float tensors after a conv (the axis follows the NHWC layout), keepdims 1 and 0; folded on constants', async () => {
    const conv = await convertSpec(graph([1, 3, 5, 6], [
      node('Conv', ['x', 'k'], ['c']), node('ArgMax', ['c'], ['a1'], { axis: { i: 1 }, keepdims: { i: 1 } }),
      node('ArgMax', ['c'], ['a3'], { axis: { i: -1 }, keepdims: { i: 0 } }), node('ArgMax', ['cst'], ['ac'], { axis: { i: 0 }, keepdims: { i: 0 } }),
      node('Cast', ['a1'], ['f1'], { to: { i: DT.FLOAT } }), node('Cast', ['a3'], ['f3'], { to: { i: DT.FLOAT } }), node('Cast', ['ac'], ['fc'], { to: { i: DT.FLOAT } }),
      node('Unsqueeze', ['f3', 'ax3'], ['f3u']), node('Add', ['f1', 'f3u'], ['s']), node('Add', ['s', 'fc'], ['y']),
    ], [weight('k', [4, 3, 1, 1], 9), i64('ax3', [1], [3]), f32('cst', [3, 6], [0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0, 9, 0, 0, 9, 0, 0])], 13));
    expect(conv.ops.filter((o) => o === 'ARG_MAX')).toHaveLength(2);
    const r = await verify(conv);
    expect(r.problems).toEqual([]);
    expect(r.maxRef).toBeGreaterThan(4);
    expect(r.maxAbs).toBe(0);
  });

  it('select_last_index 1 is refused', async () => {
    const { blockers } = convertModel(await readOnnxFile(writeModel(graph([2, 5], [node('ArgMax', ['x'], ['a'], { axis: { i: 1 }, select_last_index: { i: 1 } }),
      node('Cast', ['a'], ['y'], { to: { i: DT.FLOAT } })], [], 13))));
    expect(blockers).toEqual([expect.objectContaining({ op: 'ArgMax', code: 'attr-unsupported', args: { attr: 'select_last_index', value: 1, supported: '0' } })]);
  });

  it('run-time GatherND indices count from the end when negative, as in onnxruntime', async () => {
    const spec: ModelSpec = {
      opset: 13, inputs: [{ name: 'x', shape: [3, 4, 2] }, { name: 'i', shape: [5, 2], elemType: DT.INT64 }], outputs: [{ name: 'y', shape: null }],
      nodes: [node('GatherND', ['x', 'i'], ['y'])], initializers: [],
    };
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(['FLOOR_MOD', 'GATHER_ND']);
    const x = Float32Array.from({ length: 24 }, (_, k) => k * 0.5 - 3);
    const i = [0, 0, 2, 3, -1, -1, -3, -4, 1, 2];
    const ref = await runOnnx(conv.onnxPath, { x: { dims: [3, 4, 2], data: x }, i: { dims: [5, 2], data: BigInt64Array.from(i, BigInt) } });
    const { readFileSync } = await import('node:fs');
    const cand = await runTflite(new Uint8Array(readFileSync(conv.tflitePath)), [{ name: 'x', dims: [3, 4, 2], data: x }, { name: 'i', dims: [5, 2], data: Int32Array.from(i) }]);
    expect(cand.errors).toEqual([]);
    expect(Array.from(cand.outputs[0]!.data as Float32Array)).toEqual(Array.from(ref.outputs[0]!.data as Float32Array));
  });
});

/**
 * The fuzzer's own seed models, built with the test ONNX encoder and committed as real .onnx files under
 * test/fixtures/onnx-fuzz/ (bench/fuzz.mjs reads them without TypeScript). fuzz-seeds.test.ts checks the
 * committed files are exactly what these specs build (FUZZ_WRITE_SEEDS=1 rewrites them).
 */
import { DT, int64s, rawBytes, weight, type ModelSpec } from '../helpers/onnx-builder.js';

export interface SeedModel {
  name: string;
  spec: ModelSpec;
  /** external data files beside the model */
  files?: Record<string, Uint8Array>;
}

const f32 = (name: string, dims: number[], values: number[]) => ({ name, dims, values });

function externalSeed(): SeedModel {
  const w = weight('w', [4, 4, 3, 3], 31);
  const b = weight('b', [4], 32);
  const wBytes = rawBytes(DT.FLOAT, w.values);
  const bBytes = rawBytes(DT.FLOAT, b.values);
  const file = new Uint8Array(wBytes.length + bBytes.length);
  file.set(wBytes);
  file.set(bBytes, wBytes.length);
  return {
    name: 'external',
    files: { 'external-weights.bin': file },
    spec: {
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 4, 5, 5] }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: { ints: [1, 1, 1, 1] } } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'AveragePool', inputs: ['r'], outputs: ['y'], attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } } },
      ],
      initializers: [
        { ...w, encoding: 'external', external: { location: 'external-weights.bin', offset: 0 } },
        { ...b, encoding: 'external', external: { location: 'external-weights.bin', offset: wBytes.length } },
      ],
    },
  };
}

export const SEED_MODELS: SeedModel[] = [
  {
    name: 'cnn',
    spec: {
      opset: 13,
      inputs: [{ name: 'x', shape: ['N', 3, 8, 8] }],
      outputs: [{ name: 'y', shape: ['N', 10] }],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: { ints: [1, 1, 1, 1] }, kernel_shape: { ints: [3, 3] } } },
        { op: 'BatchNormalization', inputs: ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], outputs: ['bn'], attrs: { epsilon: { f: 1e-5 } } },
        { op: 'Relu', inputs: ['bn'], outputs: ['r'] },
        { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } } },
        { op: 'Conv', inputs: ['p', 'w2'], outputs: ['c2'], attrs: { group: { i: 1 } } },
        { op: 'Clip', inputs: ['c2', 'lo', 'hi'], outputs: ['cl'] },
        { op: 'GlobalAveragePool', inputs: ['cl'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['f'], attrs: { axis: { i: 1 } } },
        { op: 'Gemm', inputs: ['f', 'wg', 'bg'], outputs: ['gm'], attrs: { transB: { i: 1 } } },
        { op: 'Softmax', inputs: ['gm'], outputs: ['y'], attrs: { axis: { i: 1 } } },
      ],
      initializers: [
        weight('w1', [4, 3, 3, 3], 1), weight('b1', [4], 2),
        weight('bn_s', [4], 3), weight('bn_b', [4], 4), weight('bn_m', [4], 5), f32('bn_v', [4], [0.5, 1, 1.5, 2]),
        weight('w2', [6, 4, 1, 1], 6), f32('lo', [], [0]), f32('hi', [], [6]),
        weight('wg', [10, 6], 7), weight('bg', [10], 8),
      ],
    },
  },
  {
    name: 'mlp',
    spec: {
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 16] }],
      outputs: [{ name: 'y', shape: [2, 4] }],
      nodes: [
        { op: 'MatMul', inputs: ['x', 'w1'], outputs: ['m1'] },
        { op: 'Add', inputs: ['m1', 'b1'], outputs: ['a1'] },
        { op: 'Sigmoid', inputs: ['a1'], outputs: ['s1'] },
        { op: 'MatMul', inputs: ['s1', 'w2'], outputs: ['m2'] },
        { op: 'Tanh', inputs: ['m2'], outputs: ['y'] },
      ],
      initializers: [weight('w1', [16, 8], 11, 0.5, 'float_data'), weight('b1', [8], 12), weight('w2', [8, 4], 13)],
    },
  },
  {
    name: 'shapes',
    spec: {
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 2, 3, 4] }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['xs'] },
        { op: 'Gather', inputs: ['xs', 'i0'], outputs: ['batch'], attrs: { axis: { i: 0 } } },
        { op: 'Concat', inputs: ['batch', 'rest'], outputs: ['shape'], attrs: { axis: { i: 0 } } },
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
        { op: 'Transpose', inputs: ['r'], outputs: ['t'], attrs: { perm: { ints: [0, 2, 1] } } },
        { op: 'Concat', inputs: ['t', 't'], outputs: ['c'], attrs: { axis: { i: 2 } } },
        { op: 'Slice', inputs: ['c', 'starts', 'ends', 'axes'], outputs: ['s'] },
        { op: 'Unsqueeze', inputs: ['s', 'uaxes'], outputs: ['u'] },
        { op: 'Squeeze', inputs: ['u', 'uaxes'], outputs: ['y'] },
      ],
      initializers: [
        int64s('i0', [0]), { ...int64s('rest', [6, 4]), encoding: 'int64_data' },
        int64s('starts', [1]), int64s('ends', [10]), int64s('axes', [2]), int64s('uaxes', [0]),
      ],
    },
  },
  externalSeed(),
  {
    // constants the folder evaluates: ConstantOfShape, Range, a broadcasting Mul
    name: 'fold',
    spec: {
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [
        { op: 'ConstantOfShape', inputs: ['cshape'], outputs: ['ones'], attrs: { value: { t: f32('v', [1], [1.5]) } } },
        { op: 'Range', inputs: ['start', 'limit', 'delta'], outputs: ['ramp'] },
        { op: 'Mul', inputs: ['ones', 'ramp'], outputs: ['k'] },
        { op: 'Add', inputs: ['x', 'k'], outputs: ['a'] },
        { op: 'Reshape', inputs: ['a', 'rshape'], outputs: ['y'] },
      ],
      initializers: [
        int64s('cshape', [1, 4]), f32('start', [], [0]), f32('limit', [], [4]), f32('delta', [], [1]), int64s('rshape', [2, 2]),
      ],
    },
  },
  {
    name: 'constant',
    spec: {
      opset: 13,
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['k'], attrs: { value: { t: f32('kv', [1, 4], [0.5, -1, 2, 0.25]) } } },
        { op: 'Add', inputs: ['x', 'k'], outputs: ['a'] },
        { op: 'Mul', inputs: ['a', 'k'], outputs: ['m'] },
        { op: 'Pad', inputs: ['m', 'pads'], outputs: ['p'], attrs: { mode: { s: 'constant' } } },
        { op: 'ReduceMean', inputs: ['p'], outputs: ['y'], attrs: { axes: { ints: [1] }, keepdims: { i: 1 } } },
      ],
      initializers: [int64s('pads', [0, 1, 0, 2])],
    },
  },
];

/**
 * int8 for a transformer block's own operators, on a small real ONNX block (LayerNormalization, Q/K/V
 * projections, Q.K^T, Softmax, P.V) converted with --quantize int8 and run by LiteRT against
 * the float .tflite: LayerNorm's RSQRT and both run-time BATCH_MATMULs run in int8 (TFLite's int8 kernels,
 * elementwise.cc and batch_matmul.cc), and the int8 block stays close to float. A BATCH_MATMUL with a
 * constant operand stays float with its reason.
 */
import { describe, expect, it } from 'vitest';
import { convertFile } from '../../../src/convert/index.js';
import { quantizeInt8 } from '../../../src/convert/quantize/int8.js';
import type { Range } from '../../../src/convert/quantize/ranges.js';
import { TfliteGraph } from '../../../src/convert/tflite/model.js';
import { readTflite } from '../../../src/convert/tflite/read.js';
import { runTflite } from '../../../src/verify/index.js';
import { seededInputs } from '../../../src/verify/prng.js';
import { weight, type ModelSpec } from '../helpers/onnx-builder.js';
import { writeModel } from '../helpers/run.js';

const T = 6;
const C = 16;
const spec: ModelSpec = {
  opset: 17,
  inputs: [{ name: 'x', shape: [1, T, C] }],
  outputs: [{ name: 'y', shape: [1, T, C] }],
  nodes: [
    // a variance near 9: RSQRT's output (near 1/3) needs its own scale, not its input's
    { op: 'Mul', inputs: ['x', 'three'], outputs: ['x3'] },
    { op: 'LayerNormalization', inputs: ['x3', 'gamma', 'beta'], outputs: ['ln'], attrs: { axis: { i: -1 }, epsilon: { f: 1e-5 } } },
    { op: 'MatMul', inputs: ['ln', 'wq'], outputs: ['q'] },
    { op: 'MatMul', inputs: ['ln', 'wk'], outputs: ['k'] },
    { op: 'MatMul', inputs: ['ln', 'wv'], outputs: ['v'] },
    { op: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: { perm: { ints: [0, 2, 1] } } },
    { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['s'] },
    { op: 'Mul', inputs: ['s', 'scale'], outputs: ['ss'] },
    { op: 'Softmax', inputs: ['ss'], outputs: ['p'], attrs: { axis: { i: -1 } } },
    { op: 'MatMul', inputs: ['p', 'v'], outputs: ['y'] },
  ],
  initializers: [
    weight('gamma', [C], 1, 0.5), weight('beta', [C], 2, 0.1),
    weight('wq', [C, C], 3, 0.4), weight('wk', [C, C], 4, 0.4), weight('wv', [C, C], 5, 0.4),
    { name: 'scale', dims: [], values: [0.25] }, { name: 'three', dims: [], values: [3] },
  ],
};

describe('--quantize int8 on a transformer block', () => {
  it('runs LayerNorm\'s RSQRT and both run-time BATCH_MATMULs in int8, close to the float block in LiteRT', async () => {
    const onnx = writeModel(spec);
    const float = await convertFile(onnx, {});
    const int8 = await convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random' } });
    const q = int8.summary.quantization!;
    expect(q.ops.filter((o) => o.status === 'float')).toEqual([]);
    const m = readTflite(int8.tflite);
    const int8Ins = (op: string) => m.operators.filter((o) => o.op === op).map((o) => o.inputs.map((t) => m.tensors[t]!.type));
    expect(int8Ins('BATCH_MATMUL')).toEqual([['INT8', 'INT8'], ['INT8', 'INT8']]);
    expect(int8Ins('RSQRT')).toEqual([['INT8']]);
    expect(m.operators.filter((o) => o.op === 'BATCH_MATMUL' || o.op === 'RSQRT').map((o) => o.version)).toEqual([2, 2, 2]);
    let signal = 0;
    let noise = 0;
    for (let s = 0; s < 8; s++) {
      const [x] = seededInputs([[1, T, C]], 500 + s);
      const ref = (await runTflite(float.tflite, [{ dims: [1, T, C], data: x! }])).outputs[0]!.data as Float32Array;
      const run = await runTflite(int8.tflite, [{ dims: [1, T, C], data: x! }]);
      expect(run.errors).toEqual([]);
      const got = run.outputs[0]!.data as Float32Array;
      for (let i = 0; i < ref.length; i++) { signal += ref[i]! ** 2; noise += (ref[i]! - got[i]!) ** 2; }
    }
    // measured 33.3 dB over 8 inputs; RSQRT written at its input's scale instead of its own gives 24.3 dB, BATCH_MATMUL at its input's 2.8 dB
    expect(10 * Math.log10(signal / noise)).toBeGreaterThan(30);
  });

  it('keeps a BATCH_MATMUL with a constant operand float, and says why', () => {
    const g = new TfliteGraph();
    const x = g.addTensor('x', [2, 3, 4]);
    const w = g.addFloatConst('w', [2, 4, 5], Array.from({ length: 40 }, (_, i) => (i % 7) / 7 - 0.5));
    const y = g.addTensor('y', [2, 3, 5]);
    g.addOp('BATCH_MATMUL', [x, w], [y], { table: 'BatchMatMulOptions', values: { adj_x: false, adj_y: false } });
    g.inputs = [x];
    g.outputs = [y];
    g.signatureInputs = [{ name: 'x', tensor: x }];
    g.signatureOutputs = [{ name: 'y', tensor: y }];
    const ranges = new Map<number, Range>([[x, { min: -1, max: 1 }], [y, { min: -2, max: 2 }]]);
    const { report } = quantizeInt8(g, ranges);
    expect(report.floatOps).toEqual([{ op: 'BATCH_MATMUL', output: 'y', reason: 'int8 BATCH_MATMUL with a constant operand is not implemented by this quantizer (run-time operands on both sides are)' }]);
  });
});

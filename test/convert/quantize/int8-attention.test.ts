/**
 * int8 for a transformer block's own operators, on a small real ONNX block (LayerNormalization, Q/K/V
 * projections, Q.K^T, Softmax, P.V) converted with --quantize int8 and run by LiteRT against
 * the float .tflite: LayerNorm's RSQRT and both run-time BATCH_MATMULs run in int8 (TFLite's int8 kernels,
 * elementwise.cc and batch_matmul.cc), and the int8 block stays close to float. A BATCH_MATMUL with a
 * constant operand stays float with its reason. A SOFTMAX input's calibrated range leaves out a -100
 * mask (Swin's shifted windows) that softmax's int8 output cannot see anyway.
 */
import { describe, expect, it } from 'vitest';
import { convertFile } from '../../../src/convert/index.js';
import { quantizeInt8 } from '../../../src/convert/quantize/int8.js';
import { collectRanges, type Range } from '../../../src/convert/quantize/ranges.js';
import { TfliteGraph } from '../../../src/convert/tflite/model.js';
import { assignOpVersions } from '../../../src/convert/tflite/op-version.js';
import { readTflite } from '../../../src/convert/tflite/read.js';
import { writeTflite } from '../../../src/convert/tflite/write.js';
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
    expect(report.floatOps).toEqual([{ op: 'BATCH_MATMUL', output: 'y', why: { code: 'constant-operand', op: 'BATCH_MATMUL' } }]);
  });
});

/** x [1, 2, 8, 8] + mask (-100 on the upper triangle, as Swin's shifted windows mask) -> SOFTMAX over the last axis */
function maskedSoftmax(): { g: TfliteGraph; x: number; logits: number } {
  const g = new TfliteGraph();
  const x = g.addTensor('x', [1, 2, 8, 8]);
  const mask = g.addFloatConst('mask', [8, 8], Array.from({ length: 64 }, (_, i) => (i % 8 > Math.floor(i / 8) ? -100 : 0)));
  const logits = g.addTensor('logits', [1, 2, 8, 8]);
  g.addOp('ADD', [x, mask], [logits], { table: 'AddOptions', values: {} });
  const p = g.addTensor('p', [1, 2, 8, 8]);
  g.addOp('SOFTMAX', [logits], [p], { table: 'SoftmaxOptions', values: { beta: 1 } });
  g.inputs = [x];
  g.outputs = [p];
  g.signatureInputs = [{ name: 'x', tensor: x }];
  g.signatureOutputs = [{ name: 'p', tensor: p }];
  return { g, x, logits };
}

describe('calibrated range of a SOFTMAX input', () => {
  it('drops the -100 mask (deeper than ln(512 x row length) under the lowest row maximum), keeps the top; int8 softmax gets closer to float', async () => {
    const { g, logits } = maskedSoftmax();
    const samples = Array.from({ length: 16 }, (_, k) => seededInputs([[1, 2, 8, 8]], 900 + k));
    const mse = await collectRanges(g, samples);
    const minmax = await collectRanges(g, samples, { method: 'minmax' });
    expect(minmax.get(logits)!.min).toBeLessThan(-100);
    // every row holds its diagonal, a standard-normal value: the lowest row maximum is a few units under 0
    const floor = mse.get(logits)!.min;
    expect(floor).toBeGreaterThan(-20);
    expect(floor).toBeLessThan(-Math.log(512 * 8));
    expect(mse.get(logits)!.max).toBe(minmax.get(logits)!.max);
    // both int8 models run in LiteRT against the float graph: the floored range is the closer by far
    const floatBytes = writeTflite(g);
    const error = async (ranges: Map<number, Range>) => {
      const { graph } = quantizeInt8(g, ranges);
      assignOpVersions(graph);
      let worst = 0;
      for (const [x] of Array.from({ length: 8 }, (_, k) => seededInputs([[1, 2, 8, 8]], 50 + k))) {
        const ref = (await runTflite(floatBytes, [{ dims: [1, 2, 8, 8], data: x! }])).outputs[0]!.data as Float32Array;
        const got = (await runTflite(writeTflite(graph), [{ dims: [1, 2, 8, 8], data: x! }])).outputs[0]!.data as Float32Array;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i]! - got[i]!));
      }
      return worst;
    };
    const floored = await error(mse);
    const full = await error(minmax);
    // measured: worst error 0.014 against 0.075 (the fixed output step is 1/256 = 0.0039)
    expect(floored).toBeLessThan(full / 2);
  });
});

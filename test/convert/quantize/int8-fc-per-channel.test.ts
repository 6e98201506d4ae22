/**
 * int8 FULLY_CONNECTED weights per output channel (int8-rules.ts): a small real ONNX MLP whose weight
 * columns (output channels) span two decades of scale, converted with --quantize int8: the filter holds
 * one symmetric scale per output channel (max |row| / 127, dimension 0), the int32 bias input_scale x
 * that channel's scale, the operator stays at version 4 (TensorFlow 2.20's per-channel int8 files), and
 * LiteRT.js runs it to onnxruntime's outputs, the small channels included (a per-tensor scale would leave
 * them a few int8 steps of weight).
 */
import { describe, expect, it } from 'vitest';
import { convertFile } from '../../../src/convert/index.js';
import { readTflite } from '../../../src/convert/tflite/read.js';
import { openTflite } from '../../../src/verify/litert.js';
import { openOnnx } from '../../../src/verify/onnxrt.js';
import { seededInputs } from '../../../src/verify/prng.js';
import { weight, type ModelSpec } from '../helpers/onnx-builder.js';
import { writeModel } from '../helpers/run.js';

const I = 32;
const O = 16;
// ONNX MatMul weight [I, O]: output channel o scaled by 10^(-2 o / (O - 1))
const w = weight('w', [I, O], 11, 0.5);
w.values = Array.from(w.values as number[], (v, k) => v * 10 ** (-2 * (k % O) / (O - 1)));
const spec: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', shape: [4, I] }],
  outputs: [{ name: 'y', shape: [4, O] }],
  nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'] }, { op: 'Add', inputs: ['h', 'b'], outputs: ['y'] }],
  initializers: [w, weight('b', [O], 12, 0.01)],
};

describe('--quantize int8 FULLY_CONNECTED weights', () => {
  it('are symmetric per output channel, with per-channel bias scales, and follow onnxruntime', async () => {
    const onnx = writeModel(spec);
    const { tflite, summary } = await convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random' } });
    expect(summary.quantization!.ops.find((o) => o.op === 'FULLY_CONNECTED')).toMatchObject({ status: 'quantized', how: { code: 'int8-weights-per-channel', axis: 0 } });
    const m = readTflite(tflite);
    const fc = m.operators.find((o) => o.op === 'FULLY_CONNECTED')!;
    expect(fc.version).toBe(4);
    const [x, wt, bt] = [m.tensors[fc.inputs[0]!]!, m.tensors[fc.inputs[1]!]!, m.tensors[fc.inputs[2]!]!];
    expect(wt.shape).toEqual([O, I]);
    expect(wt.quantization!.quantizedDimension ?? 0).toBe(0);
    expect(wt.quantization!.zeroPoint).toEqual(new Array(O).fill(0));
    const values = w.values as number[];
    for (let o = 0; o < O; o++) {
      let maxAbs = 0;
      for (let i = 0; i < I; i++) maxAbs = Math.max(maxAbs, Math.abs(values[i * O + o]!));
      expect(wt.quantization!.scale[o]).toBeCloseTo(Math.fround(maxAbs / 127), 9);
      expect(bt.quantization!.scale[o]).toBeCloseTo(Math.fround(x.quantization!.scale[0]! * wt.quantization!.scale[o]!), 12);
    }
    // the largest channel's scale is ~100x the smallest's: one per-tensor scale would not do
    expect(wt.quantization!.scale[0]! / wt.quantization!.scale[O - 1]!).toBeGreaterThan(30);

    const ort = await openOnnx(onnx);
    const s = await openTflite(tflite);
    let signal = 0; let noise = 0;
    try {
      for (let k = 0; k < 8; k++) {
        const [xv] = seededInputs([[4, I]], 60 + k);
        const ref = (await ort.run({ x: { dims: [4, I], data: xv! } })).outputs[0]!.data as Float32Array;
        const run = await s.run([{ dims: [4, I], data: xv! }]);
        expect(run.errors).toEqual([]);
        const got = run.outputs[0]!.data as Float32Array;
        for (let i = 0; i < ref.length; i++) { signal += ref[i]! ** 2; noise += (ref[i]! - got[i]!) ** 2; }
      }
    } finally { s.close(); await ort.close(); }
    // measured 32.2 dB (the output's one per-tensor int8 step dominates)
    const sqnr = 10 * Math.log10(signal / noise);
    expect(sqnr).toBeGreaterThan(30);
  }, 60_000);
});

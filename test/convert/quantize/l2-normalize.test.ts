/**
 * --quantize int8 of F.normalize (x / max(||x||, eps), as swin_v2's cosine attention writes it: ReduceL2,
 * Clip(min=eps), Expand, Div) on keys whose padded rows are all zero, on a small real ONNX graph run by
 * onnxruntime (float) and LiteRT.js (int8). eps rounds to 0 on its MAXIMUM's int8 grid, so MAXIMUM stays
 * float (else 0 / 0 on the padded rows); bias correction leaves the projection that feeds the division
 * alone (a corrected bias moves the zero rows off 0 and the division makes them unit vectors).
 */
import { describe, expect, it } from 'vitest';
import { convertFile } from '../../../src/convert/index.js';
import { l2NormalizedSources } from '../../../src/convert/quantize/bias-correction.js';
import { readTflite } from '../../../src/convert/tflite/read.js';
import { openTflite } from '../../../src/verify/litert.js';
import { openOnnx } from '../../../src/verify/onnxrt.js';
import { seededInputs } from '../../../src/verify/prng.js';
import { DT, weight, type ModelSpec } from '../helpers/onnx-builder.js';
import { writeModel } from '../helpers/run.js';

const TOKENS = 6;
const PADDED = 8;
const DIM = 16;
const spec: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', shape: [1, TOKENS, DIM] }],
  outputs: [{ name: 'y', shape: [1, PADDED, DIM] }],
  nodes: [
    { op: 'Pad', inputs: ['x', 'pads'], outputs: ['xp'] },
    { op: 'MatMul', inputs: ['xp', 'wk'], outputs: ['k'] },
    { op: 'ReduceL2', inputs: ['k'], outputs: ['norm'], attrs: { axes: { ints: [-1] }, keepdims: { i: 1 } } },
    { op: 'Clip', inputs: ['norm', 'eps'], outputs: ['clamped'] },
    { op: 'Expand', inputs: ['clamped', 'shape'], outputs: ['expanded'] },
    { op: 'Div', inputs: ['k', 'expanded'], outputs: ['y'] },
  ],
  initializers: [
    { name: 'pads', dims: [6], dataType: DT.INT64, values: [0, 0, 0, 0, PADDED - TOKENS, 0] },
    weight('wk', [DIM, DIM], 11, 0.4),
    { name: 'eps', dims: [], values: [1e-12] },
    { name: 'shape', dims: [3], dataType: DT.INT64, values: [1, PADDED, DIM] },
  ],
};

describe('--quantize int8 of an L2 normalization over zero-padded rows', () => {
  const onnx = writeModel(spec);

  it('keeps eps in float and the padded rows at exactly 0; the real rows match onnxruntime', async () => {
    const float = await convertFile(onnx, {});
    // the lowering this test is about: FC, MUL/SUM/SQRT, MAXIMUM, BROADCAST_TO, DIV
    expect(Object.keys(float.summary.opCounts)).toEqual(expect.arrayContaining(['FULLY_CONNECTED', 'SQRT', 'MAXIMUM', 'BROADCAST_TO', 'DIV']));
    const { tflite, summary } = await convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random' } });
    const q = summary.quantization!;
    const max = q.ops.find((o) => o.op === 'MAXIMUM')!;
    expect(max.status).toBe('float');
    expect(max).toMatchObject({ why: { code: 'clamp-bound-rounds-to-zero', op: 'MAXIMUM', bound: Math.fround(1e-12) } });
    // the projection runs in int8 with its bias uncorrected: it had none, and it still has none
    const m = readTflite(tflite);
    const fc = m.operators.find((o) => o.op === 'FULLY_CONNECTED')!;
    expect(m.tensors[fc.inputs[1]!]!.type).toBe('INT8');
    expect(fc.inputs[2] === undefined || fc.inputs[2] < 0).toBe(true);

    const session = await openTflite(tflite);
    const ort = await openOnnx(onnx);
    try {
      for (let seed = 0; seed < 4; seed++) {
        const x = seededInputs([[1, TOKENS, DIM]], seed)[0]!;
        const ref = (await ort.run({ x: { dims: [1, TOKENS, DIM], data: x } })).outputs[0]!.data as Float32Array;
        const got = (await session.run([{ dims: [1, TOKENS, DIM], data: x }])).outputs[0]!.data as Float32Array;
        expect(got.every(Number.isFinite)).toBe(true);
        // padded rows: 0 in float, and exactly 0 in int8
        expect(Array.from(ref.subarray(TOKENS * DIM))).toEqual(new Array((PADDED - TOKENS) * DIM).fill(0));
        expect(Array.from(got.subarray(TOKENS * DIM))).toEqual(new Array((PADDED - TOKENS) * DIM).fill(0));
        // real rows: unit vectors in float; int8 within a few quantization steps (SQNR > 25 dB)
        let signal = 0; let noise = 0;
        for (let i = 0; i < TOKENS * DIM; i++) { signal += ref[i]! ** 2; noise += (ref[i]! - got[i]!) ** 2; }
        expect(10 * Math.log10(signal / noise)).toBeGreaterThan(25);
      }
    } finally {
      session.close();
      await ort.close();
    }
  }, 60_000);

  it('finds the weighted operator whose output the division normalizes', async () => {
    const { convertModel } = await import('../../../src/convert/convert.js');
    const { readOnnxFile } = await import('../../../src/onnx/read.js');
    const { graph } = convertModel(readOnnxFile(onnx), {});
    const found = [...l2NormalizedSources(graph)].map((i) => graph.operators[i]!.op);
    expect(found).toEqual(['FULLY_CONNECTED']);
  });
});

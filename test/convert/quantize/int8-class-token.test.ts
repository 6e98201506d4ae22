/**
 * int8 of a small real ONNX ViT trunk: a constant class token far smaller than the patch tokens (rms
 * 0.14 against 1, as vit_b_16's), concatenated in front of them, a position embedding added, two pre-norm
 * residual blocks (LayerNormalization, MatMul, residual Add) and a head read off the class token alone,
 * run by onnxruntime (float) and LiteRT.js (int8). With the residual stream in int8 the class token shares
 * the patch tokens' per-tensor step and LayerNorm scales its rounding up with it (row-norm.ts): the
 * LayerNorms and the residual stream feeding them stay float, with their reasons, and the head's logits
 * come much closer to onnxruntime's. A SOFTMAX over 64 near-uniform keys (outputs ~1/64) stays float
 * rather than write on int8 SOFTMAX's fixed 1/256 step. (A LayerNorm whose input no ADD / CONCATENATION
 * writes stays int8: int8-attention.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { convertFile } from '../../../src/convert/index.js';
import { convertModel } from '../../../src/convert/convert.js';
import { quantizeInt8 } from '../../../src/convert/quantize/int8.js';
import { collectRanges } from '../../../src/convert/quantize/ranges.js';
import { rowNormalizations } from '../../../src/convert/quantize/row-norm.js';
import { assignOpVersions } from '../../../src/convert/tflite/op-version.js';
import { writeTflite } from '../../../src/convert/tflite/write.js';
import { readOnnxFile } from '../../../src/onnx/read.js';
import { openTflite } from '../../../src/verify/litert.js';
import { openOnnx } from '../../../src/verify/onnxrt.js';
import { seededInputs } from '../../../src/verify/prng.js';
import { DT, weight, type ModelSpec } from '../helpers/onnx-builder.js';
import { writeModel } from '../helpers/run.js';

const PATCHES = 16;
const C = 32;
const CLASSES = 10;
const ln = (x: string, out: string) => ({ op: 'LayerNormalization', inputs: [x, 'gamma', 'beta'], outputs: [out], attrs: { axis: { i: -1 }, epsilon: { f: 1e-6 } } });
const spec: ModelSpec = {
  opset: 17,
  inputs: [{ name: 'patches', shape: [1, PATCHES, C] }],
  outputs: [{ name: 'logits', shape: [1, CLASSES] }],
  nodes: [
    { op: 'Concat', inputs: ['cls', 'patches'], outputs: ['cat'], attrs: { axis: { i: 1 } } },
    { op: 'Add', inputs: ['cat', 'pos'], outputs: ['x0'] },
    ln('x0', 'h0'),
    { op: 'MatMul', inputs: ['h0', 'w0'], outputs: ['b0'] },
    { op: 'Add', inputs: ['x0', 'b0'], outputs: ['x1'] },
    ln('x1', 'h1'),
    { op: 'MatMul', inputs: ['h1', 'w1'], outputs: ['b1'] },
    { op: 'Add', inputs: ['x1', 'b1'], outputs: ['x2'] },
    ln('x2', 'h2'),
    { op: 'Gather', inputs: ['h2', 'zero'], outputs: ['token'], attrs: { axis: { i: 1 } } },
    { op: 'MatMul', inputs: ['token', 'head'], outputs: ['logits'] },
  ],
  initializers: [
    // uniform in [-s, s): std s / sqrt(3); the class token's 0.14 is vit_b_16's (the zoo's randomised one)
    weight('cls', [1, 1, C], 21, 0.24), weight('pos', [1, PATCHES + 1, C], 22, 0.035),
    { name: 'gamma', dims: [C], values: new Array(C).fill(1) }, { name: 'beta', dims: [C], values: new Array(C).fill(0) },
    weight('w0', [C, C], 23, 0.15), weight('w1', [C, C], 24, 0.15), weight('head', [C, CLASSES], 25, 0.3),
    { name: 'zero', dims: [], dataType: DT.INT64, values: [0] },
  ],
};

function sqnrDb(ref: ArrayLike<number>[], got: ArrayLike<number>[]): number {
  let signal = 0; let noise = 0;
  ref.forEach((r, k) => { for (let i = 0; i < r.length; i++) { signal += r[i]! ** 2; noise += (r[i]! - got[k]![i]!) ** 2; } });
  return 10 * Math.log10(signal / noise);
}

const inputs = Array.from({ length: 16 }, (_, s) => seededInputs([[1, PATCHES, C]], 300 + s)[0]!);

async function runAll(bytes: Uint8Array): Promise<Float32Array[]> {
  const s = await openTflite(bytes);
  try {
    const out: Float32Array[] = [];
    for (const x of inputs) {
      const run = await s.run([{ dims: [1, PATCHES, C], data: x }]);
      expect(run.errors).toEqual([]);
      out.push(run.outputs[0]!.data as Float32Array);
    }
    return out;
  } finally { s.close(); }
}

describe('--quantize int8 of a ViT trunk with a small class token', () => {
  const onnx = writeModel(spec);

  it('keeps the LayerNorms and the residual stream into them float, with reasons; the logits follow onnxruntime', async () => {
    const ort = await openOnnx(onnx);
    const ref: Float32Array[] = [];
    try {
      for (const x of inputs) ref.push((await ort.run({ patches: { dims: [1, PATCHES, C], data: x } })).outputs[0]!.data as Float32Array);
    } finally { await ort.close(); }

    const { tflite, summary } = await convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random' } });
    const float = summary.quantization!.ops.filter((o) => o.status === 'float');
    // 3 LayerNorms of 9 ops (the affine MUL / ADD included), the concatenation, the position-embedding
    // add and the 2 residual adds
    expect(float.length).toBe(3 * 9 + 4);
    const why = (o: (typeof float)[number]) => (o.status === 'float' ? o.why.code : undefined);
    expect(float.filter((o) => why(o) === 'row-normalization').length).toBe(27);
    expect(float.filter((o) => why(o) === 'residual-stream-into-float-layernorm').map((o) => o.op).sort()).toEqual(['ADD', 'ADD', 'ADD', 'CONCATENATION']);
    // the matmuls, the class-token gather and the head stay int8
    expect(summary.quantization!.ops.filter((o) => o.op === 'FULLY_CONNECTED' || o.op === 'BATCH_MATMUL').every((o) => o.status === 'quantized')).toBe(true);
    const withFloat = sqnrDb(ref, await runAll(tflite));

    // the same graph and ranges with every operator that has an int8 rule in int8
    const { graph } = convertModel(readOnnxFile(onnx), {});
    expect(rowNormalizations(graph).map((c) => c.length)).toEqual([9, 9, 9]);
    const samples = Array.from({ length: 32 }, (_, k) => seededInputs([[1, PATCHES, C]], 700 + k));
    const ranges = await collectRanges(graph, samples);
    const all = quantizeInt8(graph, ranges, { floatByPlace: false }).graph;
    assignOpVersions(all);
    const allInt8 = sqnrDb(ref, await runAll(writeTflite(all)));
    // measured: 37.7 dB against 26.7 dB all-int8 (the class token row alone decides the logits)
    expect(withFloat).toBeGreaterThan(33);
    expect(allInt8).toBeLessThan(withFloat - 6);
  }, 60_000);
});

const KEYS = 64;
const attention: ModelSpec = {
  opset: 13,
  inputs: [{ name: 's', shape: [1, 2, 8, KEYS] }, { name: 'v', shape: [1, 2, KEYS, 8] }],
  outputs: [{ name: 'y', shape: [1, 2, 8, 8] }],
  nodes: [
    { op: 'Mul', inputs: ['s', 'temp'], outputs: ['logits'] },
    { op: 'Softmax', inputs: ['logits'], outputs: ['p'], attrs: { axis: { i: -1 } } },
    { op: 'MatMul', inputs: ['p', 'v'], outputs: ['y'] },
  ],
  initializers: [{ name: 'temp', dims: [], values: [0.2] }],
};

describe('--quantize int8 of a SOFTMAX with near-uniform rows', () => {
  it('keeps it float (its outputs use a few of the fixed 1/256 steps) and matches onnxruntime', async () => {
    const onnx = writeModel(attention);
    const { tflite, summary } = await convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random' } });
    const sm = summary.quantization!.ops.find((o) => o.op === 'SOFTMAX')!;
    expect(sm.status).toBe('float');
    expect(sm).toMatchObject({ why: { code: 'softmax-coarse' } });
    // the calibrated maximum it was judged on: under a quarter of the 256 steps of int8 SOFTMAX's fixed 1/256
    const { max } = (sm as { why: { max: number } }).why;
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThan(0.25);
    expect(summary.quantization!.ops.find((o) => o.op === 'BATCH_MATMUL')!.status).toBe('quantized');
    const ort = await openOnnx(onnx);
    const s = await openTflite(tflite);
    const ref: Float32Array[] = [];
    const got: Float32Array[] = [];
    try {
      for (let k = 0; k < 8; k++) {
        const [sv, vv] = seededInputs([[1, 2, 8, KEYS], [1, 2, KEYS, 8]], 40 + k);
        ref.push((await ort.run({ s: { dims: [1, 2, 8, KEYS], data: sv! }, v: { dims: [1, 2, KEYS, 8], data: vv! } })).outputs[0]!.data as Float32Array);
        got.push((await s.run([{ dims: [1, 2, 8, KEYS], data: sv! }, { dims: [1, 2, KEYS, 8], data: vv! }])).outputs[0]!.data as Float32Array);
      }
    } finally { s.close(); await ort.close(); }
    // measured 37.6 dB; with the SOFTMAX in int8 (fixed 1/256 step) 22.9 dB
    expect(sqnrDb(ref, got)).toBeGreaterThan(32);
  }, 60_000);
});

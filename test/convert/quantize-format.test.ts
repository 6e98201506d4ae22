/**
 * Quantization parameters in the TFLite format: the reader against files TensorFlow's converter wrote
 * (test/fixtures/tflite-quant, made by scripts/models/tf_quant_fixtures.py, with TF's own reading of each
 * tensor beside them), the writer round-tripping per-tensor and per-channel parameters, LiteRT running
 * what the writer wrote, and the weight arithmetic agreeing with TF's on TF's own int8 weights.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from '../../src/convert/tflite/float16.js';
import { TfliteGraph } from '../../src/convert/tflite/model.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { writeTflite } from '../../src/convert/tflite/write.js';
import { symmetricInt8 } from '../../src/convert/quantize/weights.js';
import { runTflite } from '../../src/verify/index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tflite-quant');
interface TfFacts { tensors: { name: string; type: string; shape: number[]; scale?: number[]; zero_point?: number[]; quantized_dimension?: number }[] }
const load = (name: string) => ({
  model: readTflite(new Uint8Array(readFileSync(join(fixtures, `${name}.tflite`)))),
  facts: JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8')) as TfFacts,
});

describe('reading TF-quantized .tflite files', () => {
  for (const name of ['dense-dynamic', 'dense-float16']) {
    it(`${name}: every tensor's type, shape and quantization as TF reads them`, () => {
      const { model, facts } = load(name);
      expect(model.tensors.length).toBe(facts.tensors.length);
      model.tensors.forEach((t, i) => {
        const f = facts.tensors[i]!;
        expect([t.name, t.type, t.shape]).toEqual([f.name, f.type, f.shape]);
        if (f.scale) {
          expect(t.quantization!.scale).toEqual(f.scale); // float32 -> double on both sides: exact
          expect(t.quantization!.zeroPoint).toEqual(f.zero_point);
          expect(t.quantization!.quantizedDimension).toBe(f.quantized_dimension);
        } else expect(t.quantization).toBeUndefined();
      });
    });
  }

  it('dense-dynamic holds a per-channel int8 weight; symmetricInt8 of its float value gives back the same bytes and scales', () => {
    const { model } = load('dense-dynamic');
    const w = model.tensors.find((t) => t.type === 'INT8')!;
    expect(w.quantization!.scale.length).toBe(w.shape[0]);
    const q = new Int8Array(w.data!.buffer, w.data!.byteOffset, w.data!.length);
    const [rows, cols] = w.shape as [number, number];
    const real = Float32Array.from(q, (v, i) => v * w.quantization!.scale[Math.floor(i / cols)]!);
    const ours = symmetricInt8(real, [rows, cols], 0);
    expect(Array.from(ours.values)).toEqual(Array.from(q));
    ours.scale.forEach((s, c) => expect(s).toBeCloseTo(w.quantization!.scale[c]!, 9));
    expect(model.operators.map((o) => [o.op, o.version])).toEqual([['FULLY_CONNECTED', 12]]);
    expect(model.operators[0]!.options.asymmetric_quantize_inputs).toBe(1);
  });

  it('dense-float16: FLOAT16 constants feed DEQUANTIZE version 3', () => {
    const { model } = load('dense-float16');
    const deq = model.operators.filter((o) => o.op === 'DEQUANTIZE');
    expect(deq.length).toBe(2);
    for (const d of deq) {
      expect(d.version).toBe(3);
      expect(model.tensors[d.inputs[0]!]!.type).toBe('FLOAT16');
      expect(model.tensors[d.outputs[0]!]!.type).toBe('FLOAT32');
    }
  });
});

describe('writing quantization parameters', () => {
  it('round-trips per-channel int8, quantized int32 and per-tensor asymmetric parameters', () => {
    const g = new TfliteGraph();
    const w = g.addInt8Const('w', [3, 2], [-127, 0, 5, 127, -1, 64], { scale: [0.5, 0.25, 0.125], zeroPoint: [0, 0, 0], quantizedDimension: 0 });
    const b = g.addInt32Const('b', [3], [10, -20, 30], { scale: [0.1, 0.05, 0.025], zeroPoint: [0, 0, 0] });
    const a = g.addTensor('a', [1, 2], 'INT8', { scale: [0.0392], zeroPoint: [-128], min: [0], max: [10] });
    const h = g.addFloat16Const('h', [2], [1.5, -65504]);
    g.inputs = [a];
    const m = readTflite(writeTflite(g));
    expect(m.tensors[w]!.quantization).toEqual({ scale: [0.5, 0.25, 0.125], zeroPoint: [0, 0, 0], quantizedDimension: 0 });
    expect(Array.from(new Int8Array(m.tensors[w]!.data!.slice().buffer))).toEqual([-127, 0, 5, 127, -1, 64]);
    expect(m.tensors[b]!.type).toBe('INT32');
    expect(m.tensors[b]!.quantization!.scale).toEqual([0.1, 0.05, 0.025].map((x) => Math.fround(x)));
    expect(m.tensors[a]!.quantization).toEqual({ scale: [Math.fround(0.0392)], zeroPoint: [-128], quantizedDimension: 0, min: [0], max: [10] });
    expect(m.tensors[h]!.type).toBe('FLOAT16');
    expect(Array.from(new Uint16Array(m.tensors[h]!.data!.slice().buffer))).toEqual([0x3e00, 0xfbff]);
    expect(m.tensors[a]!.type).toBe('INT8');
  });

  it('refuses parameters that do not fit the tensor', () => {
    const g = new TfliteGraph();
    expect(() => g.addInt8Const('w', [3, 2], [0, 0, 0, 0, 0, 0], { scale: [1, 1], zeroPoint: [0, 0] })).toThrow(/2 scales along dimension 0/);
    expect(() => g.addTensor('a', [4], 'INT8', { scale: [0], zeroPoint: [0] })).toThrow(/positive/);
    expect(() => g.addInt8Const('w', [1], [128], { scale: [1], zeroPoint: [0] })).toThrow(/holds 128/);
  });

  it('LiteRT runs a hybrid FULLY_CONNECTED with our int8 per-channel weights, then a DEQUANTIZE of our float16 constant', async () => {
    // y = x W^T + b with W = q * scale per output row: the hybrid kernel's float result is checked in float64
    const g = new TfliteGraph();
    const x = g.addTensor('x', [1, 4]);
    const q = [10, -20, 127, 3, -127, 0, 55, 1, 7, 7, -7, 100];
    const scale = [0.01, 0.02, 0.005];
    const w = g.addInt8Const('w', [3, 4], q, { scale, zeroPoint: [0, 0, 0], quantizedDimension: 0 });
    const b = g.addFloatConst('b', [3], [0.5, -1.25, 2]);
    const fc = g.addTensor('fc', [1, 3]);
    const c16 = g.addFloat16Const('c_fp16', [3], [1, 2, -3]);
    const c = g.addTensor('c', [3]);
    const y = g.addTensor('y', [1, 3]);
    g.addOp('DEQUANTIZE', [c16], [c], undefined, 3);
    g.addOp('FULLY_CONNECTED', [x, w, b], [fc], { table: 'FullyConnectedOptions', values: { asymmetric_quantize_inputs: true } }, 12);
    g.addOp('ADD', [fc, c], [y], { table: 'AddOptions', values: {} });
    g.inputs = [x];
    g.outputs = [y];
    g.signatureInputs = [{ name: 'x', tensor: x }];
    g.signatureOutputs = [{ name: 'y', tensor: y }];
    const xin = Float32Array.from([0.3, -1.7, 2.2, 0.9]);
    const run = await runTflite(writeTflite(g), [{ dims: [1, 4], data: xin }]);
    expect(run.errors).toEqual([]);
    const got = Array.from(run.outputs[0]!.data as Float32Array);
    const want = [0, 1, 2].map((o) => [0, 1, 2, 3].reduce((s, k) => s + xin[k]! * q[o * 4 + k]! * scale[o]!, 0) + [0.5, -1.25, 2][o]! + [1, 2, -3][o]!);
    // the kernel quantizes x to int8 (asymmetric, per row): error up to about max|x|/255 x sum|w|
    const wAbs = [0, 1, 2].map((o) => [0, 1, 2, 3].reduce((s, k) => s + Math.abs(q[o * 4 + k]! * scale[o]!), 0));
    got.forEach((v, o) => expect(Math.abs(v - want[o]!)).toBeLessThanOrEqual((2.2 / 255) * wAbs[o]! + 1e-6));
  });
});

describe('float16 encoding', () => {
  it('rounds to nearest even, keeps subnormals, overflows to infinity', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(0x7c00); // halfway to the next binade rounds up to Infinity
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // a tie to even: 0
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 1 and 1+2^-10: even mantissa
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
    for (const v of [0.1, -3.14159, 1e-5, 1234.5, 6e-8]) {
      const back = fromFloat16Bits(toFloat16Bits(v));
      expect(Math.abs(back - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
    }
  });
});

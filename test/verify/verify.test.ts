import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareOutputs, seededInputs, verifyConversion, verifyTolerance, runOnnx, runTflite } from '../../src/verify/index.js';
import { decodeNpy, encodeNpyFloat32 } from '../../src/verify/npy.js';
import { permute4, NCHW_TO_NHWC, NHWC_TO_NCHW } from '../../src/verify/tensors.js';
import { tinyAddOnnx, tinyAddTflite } from './tiny-models.js';

const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-verify-'));
function file(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
const BIAS = [0.5, -1.25, 3, 100];

describe('seededInputs', () => {
  it('is deterministic per seed, differs across seeds, and is roughly standard normal', () => {
    const [a] = seededInputs([[1, 3, 32, 32]], 7);
    const [b] = seededInputs([[1, 3, 32, 32]], 7);
    const [c] = seededInputs([[1, 3, 32, 32]], 8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const mean = a!.reduce((s, x) => s + x, 0) / a!.length;
    const variance = a!.reduce((s, x) => s + (x - mean) ** 2, 0) / a!.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
  });
});

describe('compareOutputs / tolerance', () => {
  it('measures max abs and relative error and treats NaN mismatches as failures', () => {
    const r = compareOutputs([Float32Array.of(1, -200, 3)], [Float32Array.of(1.5, -200, 3)]);
    expect(r).toEqual({ maxAbs: 0.5, maxRef: 200, maxRel: 0.5 / 200 });
    expect(compareOutputs([Float32Array.of(NaN)], [Float32Array.of(0)]).maxAbs).toBe(Infinity);
    expect(compareOutputs([Float32Array.of(NaN)], [Float32Array.of(NaN)]).maxAbs).toBe(0);
    expect(compareOutputs([Float32Array.of(1, 2)], [Float32Array.of(1)]).maxAbs).toBe(Infinity);
    expect(verifyTolerance(0.3)).toBe(1e-4);
    expect(verifyTolerance(5000)).toBeCloseTo(0.5);
  });
});

describe('layout and npy helpers', () => {
  it('NCHW -> NHWC -> NCHW round-trips and moves channels last', () => {
    const data = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const nhwc = permute4(data, [1, 3, 2, 4], NCHW_TO_NHWC);
    expect(nhwc.dims).toEqual([1, 2, 4, 3]);
    expect(Array.from(nhwc.data.slice(0, 3) as Float32Array)).toEqual([0, 8, 16]);
    expect(permute4(nhwc.data, nhwc.dims, NHWC_TO_NCHW).data).toEqual(data);
  });
  it('encodes float32 .npy that decodes back', () => {
    const data = Float32Array.of(1, 2, 3, 4, 5, 6);
    const back = decodeNpy(encodeNpyFloat32(data, [2, 3]));
    expect(back.dims).toEqual([2, 3]);
    expect(back.dtype).toBe('float32');
    expect(back.data).toEqual(data);
  });
});

describe('runOnnx / runTflite', () => {
  it('run the tiny pair and agree on the numbers', async () => {
    const x = Float32Array.of(1, 2, 3, 4);
    const onnx = await runOnnx(file('run.onnx', tinyAddOnnx(BIAS, 1)), { X: { dims: [1, 4], data: x } });
    const tfl = await runTflite(tinyAddTflite(BIAS), [{ dims: [1, 4], data: x }]);
    expect(Array.from(onnx.outputs[0]!.data as Float32Array)).toEqual([1.5, 0.75, 6, 104]);
    expect(Array.from(tfl.outputs[0]!.data as Float32Array)).toEqual([1.5, 0.75, 6, 104]);
    expect(tfl.inputs[0]).toMatchObject({ name: 'X', dims: [1, 4] });
    expect(tfl.errors).toEqual([]);
  }, 60_000);
});

describe('verifyConversion', () => {
  it('passes a correct conversion (symbolic batch taken as 1)', async () => {
    const r = await verifyConversion(file('ok.onnx', tinyAddOnnx(BIAS)), file('ok.tflite', tinyAddTflite(BIAS)), { seed: 3, runs: 3 });
    expect(r.problems).toEqual([]);
    expect(r.pass).toBe(true);
    expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
    expect(r.maxRef).toBeGreaterThan(99); // the 100 bias dominates the output scale
    expect(r.tolerance).toBeCloseTo(1e-4 * r.maxRef);
    expect(r.runtime).toMatch(/LiteRT\.js .* vs onnxruntime-node/);
  }, 60_000);

  it('fails a numerically wrong conversion, reporting the error size', async () => {
    const wrong = BIAS.map((v, i) => (i === 1 ? v + 0.05 : v));
    const r = await verifyConversion(file('a.onnx', tinyAddOnnx(BIAS)), file('wrong.tflite', tinyAddTflite(wrong)));
    expect(r.pass).toBe(false);
    expect(r.maxAbs).toBeCloseTo(0.05, 5);
    expect(r.problems).toEqual([]);
  }, 60_000);

  it('fails a .tflite that LiteRT.js cannot allocate, even though LiteRT.js resolves', async () => {
    const r = await verifyConversion(file('b.onnx', tinyAddOnnx(BIAS)), file('broken.tflite', tinyAddTflite(BIAS.slice(0, 3), [3])));
    expect(r.pass).toBe(false);
    expect(r.problems.join('\n')).toMatch(/ERROR|allocate|prepare|could not/i);
  }, 60_000);

  it('fails a file that is not a model', async () => {
    const r = await verifyConversion(file('c.onnx', tinyAddOnnx(BIAS)), file('junk.tflite', new TextEncoder().encode('not a flatbuffer')));
    expect(r.pass).toBe(false);
    expect(r.problems.join('\n')).toMatch(/LiteRT\.js could not load/);
  }, 60_000);
});

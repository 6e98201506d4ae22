/**
 * `--io int8 --verify`: LiteRT.js takes no int8 tensors, so the int8-I/O file runs through a copy with a
 * float boundary (QUANTIZE in, DEQUANTIZE out, with the tensors' own params). Proven against the --io
 * float file of the same calibration, which carries the same boundary inside: both run in LiteRT.js on
 * the same inputs and must give the same outputs bit for bit. A file holding fields the reader does not
 * take back (TF's converter's metadata) is refused rather than run altered.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertFile } from '../../src/convert/index.js';
import { graphOfTflite, UnreadableTflite } from '../../src/convert/tflite/graph-of-file.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { writeTflite } from '../../src/convert/tflite/write.js';
import { withFloatBoundary } from '../../src/verify/float-boundary.js';
import { verifyQuantized } from '../../src/verify/index.js';
import { openTflite } from '../../src/verify/litert.js';
import { seededInputs } from '../../src/verify/prng.js';
import { weight, type ModelSpec } from '../convert/helpers/onnx-builder.js';
import { writeModel } from '../convert/helpers/run.js';

const ints = (v: number[]) => ({ ints: v });
const spec: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', shape: [1, 3, 10, 10] }],
  outputs: [{ name: 'y', shape: [1, 10] }],
  nodes: [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: ints([1, 1, 1, 1]) } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
    { op: 'GlobalAveragePool', inputs: ['r1'], outputs: ['p'] },
    { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
    { op: 'Gemm', inputs: ['f', 'wf', 'bf'], outputs: ['y'], attrs: { transB: { i: 1 } } },
  ],
  initializers: [weight('w1', [16, 3, 3, 3], 1, 0.4), weight('b1', [16], 2, 0.1), weight('wf', [10, 16], 3, 0.8), weight('bf', [10], 4, 0.1)],
};

async function runAll(bytes: Uint8Array, seeds: number[]): Promise<Float32Array[]> {
  const s = await openTflite(bytes);
  try {
    const out: Float32Array[] = [];
    for (const seed of seeds) {
      const r = await s.run([{ dims: [1, 3, 10, 10], data: seededInputs([[1, 3, 10, 10]], seed)[0]! }]);
      expect(r.errors).toEqual([]);
      out.push(r.outputs[0]!.data as Float32Array);
    }
    return out;
  } finally {
    s.close();
  }
}

describe('float boundary for int8 inputs/outputs', () => {
  it('runs the --io int8 file as the --io float file of the same calibration, bit for bit', async () => {
    const onnx = writeModel(spec);
    const asFloat = await convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random' } });
    const asInt8 = await convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random', reuse: asFloat.calibration!, io: 'int8' } });
    const int8Model = readTflite(asInt8.tflite);
    expect(int8Model.inputs.map((t) => int8Model.tensors[t]!.type)).toEqual(['INT8']);
    expect(int8Model.outputs.map((t) => int8Model.tensors[t]!.type)).toEqual(['INT8']);
    await expect(openTflite(asInt8.tflite).then((s) => s.run([{ dims: [1, 3, 10, 10], data: new Float32Array(300) }]))).rejects.toThrow();

    expect(withFloatBoundary(asFloat.tflite)).toBeUndefined();
    const wrapped = withFloatBoundary(asInt8.tflite)!;
    expect(wrapped.inputs).toEqual(['x']);
    expect(wrapped.outputs).toEqual(['y']);
    const ops = readTflite(wrapped.bytes).operators.map((o) => o.op);
    expect(ops[0]).toBe('QUANTIZE');
    expect(ops.at(-1)).toBe('DEQUANTIZE');
    expect(ops.slice(1, -1)).toEqual(int8Model.operators.map((o) => o.op));

    const seeds = [11, 12, 13, 14];
    const want = await runAll(asFloat.tflite, seeds);
    const got = await runAll(wrapped.bytes, seeds);
    got.forEach((g, k) => expect(Array.from(g)).toEqual(Array.from(want[k]!)));
    // the outputs are not all one value (a boundary dropping the signal would still match itself)
    expect(new Set(want.flatMap((w) => Array.from(w))).size).toBeGreaterThan(20);
  });

  it('lets --verify of an --io int8 file run, reporting the boundary, with the --io float file\'s numbers', async () => {
    const onnx = writeModel(spec);
    const asFloat = await convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random' } });
    const asInt8 = await convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random', reuse: asFloat.calibration!, io: 'int8' } });
    const { writeFileSync } = await import('node:fs');
    const fPath = onnx.replace(/\.onnx$/, '.float-io.tflite');
    const iPath = onnx.replace(/\.onnx$/, '.int8-io.tflite');
    writeFileSync(fPath, asFloat.tflite);
    writeFileSync(iPath, asInt8.tflite);
    const vf = await verifyQuantized(onnx, fPath, { samples: 6 });
    const vi = await verifyQuantized(onnx, iPath, { samples: 6 });
    expect(vi.problems).toEqual([]);
    expect(vi.floatBoundary).toEqual({ inputs: ['x'], outputs: ['y'] });
    expect(vf.floatBoundary).toBeUndefined();
    expect(vi.sqnrDb).toBe(vf.sqnrDb);
    expect(vi.top1Agreement).toBe(vf.top1Agreement);
  });

  it('takes back a file it wrote whole, and refuses one holding fields it does not read', () => {
    const onnx = writeModel(spec);
    return convertFile(onnx, {}).then(({ tflite }) => {
      const g = graphOfTflite(tflite);
      expect(readTflite(writeTflite(g))).toEqual(readTflite(tflite));
      // the same bytes as readFileSync gives them (a Node Buffer) are taken back too
      expect(readTflite(writeTflite(graphOfTflite(Buffer.from(tflite))))).toEqual(readTflite(tflite));
      // written by TensorFlow's converter: it carries Model.metadata (min_runtime_version)
      const tf = new Uint8Array(readFileSync(join(__dirname, '..', 'fixtures', 'tflite-quant', 'dense-float16.tflite')));
      expect(readTflite(tf).foreign).toContain('Model.metadata');
      expect(() => graphOfTflite(tf)).toThrow(UnreadableTflite);
      expect(() => graphOfTflite(tf)).toThrow(/does not take back: .*Model\.metadata/);
    });
  });
});

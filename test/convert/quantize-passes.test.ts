/**
 * The float16 and dynamic passes on a small real ONNX graph holding every hybrid-capable op (Conv,
 * depthwise, grouped Conv, ConvTranspose, Gemm) plus weights under TF's 1024-element threshold: the
 * structure TF's converter writes for the same modes (test/fixtures/tflite-quant and the notes in
 * src/convert/quantize/*.ts), then numbers: the quantized .tflite in LiteRT.js against the float ONNX
 * model in onnxruntime-node on held-out seeded inputs (verifyQuantized).
 */
import { describe, expect, it } from 'vitest';
import { verifyQuantized } from '../../src/verify/index.js';
import { QualityAccumulator } from '../../src/verify/quality.js';
import { parseQuantizeFlags } from '../../src/cli/commands/convert.js';
import { weight, type ModelSpec } from './helpers/onnx-builder.js';
import { convertSpec } from './helpers/run.js';

const ints = (v: number[]) => ({ ints: v });
const spec: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', shape: [1, 16, 12, 12] }],
  outputs: [{ name: 'y', shape: [1, 10] }],
  nodes: [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: ints([1, 1, 1, 1]) } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
    { op: 'Conv', inputs: ['r1', 'wd'], outputs: ['d'], attrs: { group: { i: 64 }, pads: ints([2, 2, 2, 2]) } },
    { op: 'Conv', inputs: ['d', 'wg'], outputs: ['g'], attrs: { group: { i: 4 } } },
    { op: 'ConvTranspose', inputs: ['g', 'wt', 'bt'], outputs: ['t'], attrs: { strides: ints([2, 2]) } },
    { op: 'Conv', inputs: ['t', 'ws'], outputs: ['s'] },
    { op: 'GlobalAveragePool', inputs: ['s'], outputs: ['p'] },
    { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
    { op: 'Gemm', inputs: ['f', 'wf1', 'bf1'], outputs: ['h'], attrs: { transB: { i: 1 } } },
    { op: 'Relu', inputs: ['h'], outputs: ['hr'] },
    { op: 'Gemm', inputs: ['hr', 'wf2', 'bf2'], outputs: ['y'], attrs: { transB: { i: 1 } } },
  ],
  initializers: [
    weight('w1', [64, 16, 3, 3], 1, 0.2), weight('b1', [64], 2, 0.1),
    weight('wd', [64, 1, 5, 5], 3, 0.5), // 1600 elements: quantized
    weight('wg', [64, 16, 1, 1], 4, 0.6), // 1024: quantized (grouped)
    weight('wt', [64, 16, 2, 2], 5, 0.3), weight('bt', [16], 6, 0.1),
    weight('ws', [8, 16, 1, 1], 7, 0.6), // 128: stays float
    weight('wf1', [128, 8], 8, 0.8), weight('bf1', [128], 9, 0.1), // 1024: quantized
    weight('wf2', [10, 128], 10, 0.3), weight('bf2', [10], 11, 0.1), // 1280: quantized
  ],
};

describe('--quantize float16', () => {
  it('turns every float constant into FLOAT16 + DEQUANTIZE (v3) and stays within float16 rounding of the float model', async () => {
    const c = await convertSpec(spec, { quantize: { mode: 'float16' } });
    const deq = c.model.operators.filter((o) => o.op === 'DEQUANTIZE');
    const floatConsts = c.model.tensors.filter((t) => t.type === 'FLOAT32' && t.data);
    expect(floatConsts).toEqual([]);
    expect(deq.length).toBe(c.model.tensors.filter((t) => t.type === 'FLOAT16').length);
    expect(deq.length).toBeGreaterThanOrEqual(11);
    expect(new Set(deq.map((d) => d.version))).toEqual(new Set([3]));
    // DEQUANTIZE ops lead the graph, as TF writes them
    expect(c.ops.slice(0, deq.length).every((o) => o === 'DEQUANTIZE')).toBe(true);
    const v = await verifyQuantized(c.onnxPath, c.tflitePath, { samples: 8 });
    expect(v.problems).toEqual([]);
    expect(v.top1Agreement).toBe(1);
    // fp16 weights: relative error about 2^-11 per weight, SQNR far above 50 dB
    expect(v.sqnrDb).toBeGreaterThan(50);
    expect(v.maxAbs).toBeLessThan(1e-2 * v.maxRef);
    expect(v.maxRef).toBeGreaterThan(0.1); // outputs have a sane scale
  });
});

describe('--quantize dynamic', () => {
  it('gives the hybrid-capable ops int8 per-channel weights with TF\'s versions, keeps small weights and biases float', async () => {
    const c = await convertSpec(spec, { quantize: { mode: 'dynamic' } });
    const byOp = (op: string) => c.model.operators.filter((o) => o.op === op);
    const weightOf = (o: { inputs: number[] }) => c.model.tensors[o.inputs[1]!]!;
    const convs = byOp('CONV_2D');
    // one operator code per builtin at the highest version its operators need: the grouped conv's 6
    expect(convs.map((o) => [weightOf(o).type, o.version])).toEqual([['INT8', 6], ['INT8', 6], ['FLOAT32', 6]]);
    const dw = byOp('DEPTHWISE_CONV_2D')[0]!;
    expect([weightOf(dw).type, dw.version, weightOf(dw).quantization!.quantizedDimension, weightOf(dw).quantization!.scale.length]).toEqual(['INT8', 6, 3, 64]);
    const tc = byOp('TRANSPOSE_CONV')[0]!;
    // with a bias input: op_version.cc's 3 (2 is int8 weights without one)
    expect([weightOf(tc).type, tc.version, weightOf(tc).quantization!.scale.length]).toEqual(['INT8', 3, 16]);
    for (const fc of byOp('FULLY_CONNECTED')) {
      expect([weightOf(fc).type, fc.version, fc.options.asymmetric_quantize_inputs]).toEqual(['INT8', 12, 1]);
      expect(weightOf(fc).quantization!.zeroPoint.every((z) => z === 0)).toBe(true);
    }
    // biases stay float32; no DEQUANTIZE; no tensor left unused
    expect(c.ops).not.toContain('DEQUANTIZE');
    expect(convs.every((o) => c.model.tensors[o.inputs[2]!]!.type === 'FLOAT32')).toBe(true);
    const used = new Set(c.model.operators.flatMap((o) => [...o.inputs, ...o.outputs]));
    expect(c.model.tensors.every((_, i) => used.has(i))).toBe(true);
    const v = await verifyQuantized(c.onnxPath, c.tflitePath, { samples: 8 });
    expect(v.problems).toEqual([]);
    // int8 weights and on-the-fly int8 activations: about 7 bits per multiply, SQNR in the 20-40 dB band
    expect(v.sqnrDb).toBeGreaterThan(25);
    expect(v.cosine).toBeGreaterThan(0.995);
    expect(v.maxRef).toBeGreaterThan(0.1);
  });

  it('the report names every operator quantized or float with its reason', async () => {
    const { convertFile } = await import('../../src/convert/index.js');
    const { writeModel } = await import('./helpers/run.js');
    const { summary } = await convertFile(writeModel(spec), { quantize: { mode: 'dynamic' } });
    const q = summary.quantization!;
    expect(q.ops.length).toBe(summary.opsOut);
    const quantized = q.ops.filter((o) => o.status === 'quantized').map((o) => o.op);
    expect(quantized.sort()).toEqual(['CONV_2D', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'TRANSPOSE_CONV']);
    expect(q.ops.find((o) => o.op === 'CONV_2D' && o.status === 'float')).toMatchObject({ why: { code: 'weights-under-threshold', elements: 128, threshold: 1024 } });
    expect(q.weights.quantizedBytes * 4).toBe(q.weights.floatBytes);
  });
});

describe('--quantize dynamic: BATCH_MATMUL with a constant right operand', () => {
  const bmm: ModelSpec = {
    opset: 13,
    inputs: [{ name: 'x', shape: [2, 8, 16] }],
    outputs: [{ name: 'y', shape: [2, 8, 64] }],
    nodes: [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }],
    initializers: [weight('w', [2, 16, 64], 21, 0.4)],
  };

  it('writes TF\'s form (version 4, per-tensor int8 right operand, asymmetric_quantize_inputs) and runs close to float', async () => {
    const c = await convertSpec(bmm, { quantize: { mode: 'dynamic' } });
    const op = c.model.operators.find((o) => o.op === 'BATCH_MATMUL')!;
    const w = c.model.tensors[op.inputs[1]!]!;
    expect([w.type, w.quantization!.scale.length, op.version, op.options.asymmetric_quantize_inputs]).toEqual(['INT8', 1, 4, 1]);
    const v = await verifyQuantized(c.onnxPath, c.tflitePath, { samples: 6 });
    expect(v.problems).toEqual([]);
    expect(v.sqnrDb).toBeGreaterThan(25);
    expect(v.maxRef).toBeGreaterThan(1);
  });
});

describe('quality metrics', () => {
  it('SQNR, cosine, max error and top-1 agreement on known arrays', () => {
    const acc = new QualityAccumulator();
    acc.add('y', [2, 3], [1, 2, 3, 3, 2, 1], [1, 2, 3.1, 3, 2, 1]); // row 0 argmax 2 both, row 1 argmax 0 both
    acc.add('y', [2, 3], [1, 0, 0, 0, 1, 0], [0, 1.5, 0, 0, 1, 0]); // row 0 disagrees
    const [r] = acc.result();
    expect(r!.top1Agreement).toBe(0.75);
    expect(r!.rows).toBe(4);
    const signal = 1 + 4 + 9 + 9 + 4 + 1 + 1 + 1;
    const noise = 0.01 + 1 + 2.25;
    expect(r!.sqnrDb).toBeCloseTo(10 * Math.log10(signal / noise), 9);
    expect(r!.maxAbs).toBeCloseTo(1.5, 12);
    expect(r!.cosine).toBeGreaterThan(0.8);
    expect(r!.cosine).toBeLessThan(1);
  });

  it('a NaN the reference does not have is an infinite error', () => {
    const acc = new QualityAccumulator();
    acc.add('z', [4], [1, 2, 3, 4], [1, NaN, 3, 4]);
    expect(acc.result()[0]!.maxAbs).toBe(Infinity);
    expect(acc.result()[0]!.top1Agreement).toBeUndefined();
  });
});

describe('convert quantization flags', () => {
  it('parses the modes and thresholds', () => {
    expect(parseQuantizeFlags({ quantize: 'dynamic' })).toEqual({ quantize: { mode: 'dynamic' }, minAgreement: 0.98 });
    expect(parseQuantizeFlags({ quantize: 'int8', calibration: 'random', io: 'float', verify: true, minAgreement: '0.9', minSqnr: '20' }))
      .toEqual({ quantize: { mode: 'int8', calibration: 'random', io: 'float' }, minAgreement: 0.9, minSqnr: 20 });
    expect(parseQuantizeFlags({ quantize: 'int8', calibration: 'random', io: 'int8' })).toEqual({ quantize: { mode: 'int8', calibration: 'random', io: 'int8' }, minAgreement: 0.98 });
    // without --quantize, --io int8 is for a QDQ model (convertFile refuses it on a float one)
    expect(parseQuantizeFlags({ io: 'int8' })).toEqual({ io: 'int8', minAgreement: 0.98 });
    expect(parseQuantizeFlags({ quantize: 'int8', calibration: 'c.npy', keepFloat: 'auto', minAgreement: '0.95' }))
      .toEqual({ quantize: { mode: 'int8', calibration: 'c.npy', keepFloat: { auto: { minAgreement: 0.95 } } }, minAgreement: 0.95 });
    expect(parseQuantizeFlags({ quantize: 'int8', calibration: 'c.npy', keepFloat: 'SOFTMAX, logits' }))
      .toEqual({ quantize: { mode: 'int8', calibration: 'c.npy', keepFloat: { names: ['SOFTMAX', 'logits'] } }, minAgreement: 0.98 });
  });
  it.each([
    [{ quantize: 'int4' }, /--quantize must be one of float16, dynamic, int8/],
    [{ quantize: 'dynamic', calibration: 'x.npy' }, /--calibration applies to --quantize int8/],
    [{ quantize: 'int8', calibration: 'random', io: 'uint8' }, /--io must be float or int8/],
    [{ quantize: 'int8' }, /--quantize int8 needs --calibration DATA/],
    [{ quantize: 'float16', io: 'int8' }, /--io int8 applies to --quantize int8 or a QDQ model, not --quantize float16/],
    [{ quantize: 'dynamic', minSqnr: '20' }, /apply to --verify of a quantized model/],
    [{ quantize: 'dynamic', verify: true, minAgreement: '1.5' }, /--min-agreement must be a number in \[0, 1\]/],
    [{ quantize: 'dynamic', verify: true, minSqnr: 'loud' }, /--min-sqnr must be a number/],
    [{ quantize: 'dynamic', verify: true, tolerance: '1e-3' }, /--tolerance applies to float conversions/],
    [{ quantize: 'dynamic', verify: true, samples: '0' }, /--samples must be a positive integer/],
    [{ quantize: 'dynamic', samples: '5' }, /apply to --verify of a quantized model/],
    [{ quantize: 'int8', calibration: 'c.npy', minAgreement: '0.9' }, /--min-agreement applies to --verify of a quantized model and to --keep-float auto/],
    [{ quantize: 'dynamic', keepFloat: 'auto' }, /--keep-float applies to --quantize int8 only/],
    [{ quantize: 'int8', calibration: 'c.npy', keepFloat: ' , ' }, /--keep-float needs `auto` or operator names/],
    [{ quantize: 'int8', calibration: 'c.npy', keepFloat: 'auto,SOFTMAX' }, /give `auto` or names, not both/],
  ])('refuses %o', (flags, message) => {
    expect(() => parseQuantizeFlags(flags)).toThrow(message);
  });
});

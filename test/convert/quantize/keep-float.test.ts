/**
 * --keep-float on a small real ONNX graph (conv, depthwise conv, fully connected, softmax) converted
 * with --quantize int8: named operators stay float with the reason the report gives and keep their
 * float weights and uncorrected bias; `auto` sets calibration samples aside, measures on them, and
 * its choice is consistent with what it measured (the selection itself on real models:
 * test/real-env/quantize-int8-zoo.test.ts and scripts/int8-zoo.mjs).
 */
import { describe, expect, it } from 'vitest';
import { convertFile, type ConvertOptions } from '../../../src/convert/index.js';
import { readTflite } from '../../../src/convert/tflite/read.js';
import { DT, weight, type ModelSpec } from '../helpers/onnx-builder.js';
import { writeModel } from '../helpers/run.js';

const ints = (v: number[]) => ({ ints: v });
const spec: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', shape: [1, 8, 10, 10] }],
  outputs: [{ name: 'y', shape: [1, 10] }],
  nodes: [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: ints([1, 1, 1, 1]) } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
    { op: 'Conv', inputs: ['r1', 'wd', 'bd'], outputs: ['d'], attrs: { group: { i: 16 }, pads: ints([1, 1, 1, 1]) } },
    { op: 'GlobalAveragePool', inputs: ['d'], outputs: ['p'] },
    { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
    { op: 'Gemm', inputs: ['f', 'wf', 'bf'], outputs: ['h'], attrs: { transB: { i: 1 } } },
    { op: 'Softmax', inputs: ['h'], outputs: ['y'], attrs: { axis: { i: 1 } } },
  ],
  initializers: [
    weight('w1', [16, 8, 3, 3], 1, 0.3), weight('b1', [16], 2, 0.1),
    weight('wd', [16, 1, 3, 3], 3, 0.5), weight('bd', [16], 4, 0.1),
    weight('wf', [10, 16], 5, 0.8), weight('bf', [10], 6, 0.1),
  ],
};

const onnx = writeModel(spec);
const convert = (opts: ConvertOptions) => convertFile(onnx, opts);

describe('--quantize int8 --keep-float', () => {
  it('keeps named operators float (by output name and by TFLite op) with their float weights', async () => {
    const plain = await convert({ quantize: { mode: 'int8', calibration: 'random' } });
    const named = await convert({ quantize: { mode: 'int8', calibration: 'random', keepFloat: { names: ['h', 'SOFTMAX'] } } });
    const q = named.summary.quantization!;
    const float = q.ops.filter((o) => o.status === 'float');
    expect(float.map((o) => o.op).sort()).toEqual(['FULLY_CONNECTED', 'SOFTMAX']);
    // in graph order: the FULLY_CONNECTED named by its output, the SOFTMAX by its op
    expect(float.map((o) => o.status === 'float' && o.why)).toEqual([{ code: 'kept-by-name', name: 'h' }, { code: 'kept-by-name', name: 'SOFTMAX' }]);
    expect(q.keepFloat).toMatchObject({ mode: 'names', kept: [{ op: 'FULLY_CONNECTED', output: 'h', why: { code: 'kept-by-name', name: 'h' } }, { op: 'SOFTMAX' }] });
    expect(plain.summary.quantization!.ops.every((o) => o.status === 'quantized')).toBe(true);
    // the kept FULLY_CONNECTED reads float32 weights, and its bias is the model's own (no int8 rounding to correct)
    const m = readTflite(named.tflite);
    const fc = m.operators.find((o) => o.op === 'FULLY_CONNECTED')!;
    expect(m.tensors[fc.inputs[1]!]!.type).toBe('FLOAT32');
    const bias = new Float32Array(m.tensors[fc.inputs[2]!]!.data!.slice().buffer);
    const bf = spec.initializers!.find((i) => i.name === 'bf')!;
    expect(Array.from(bias)).toEqual(Array.from(Float32Array.from(bf.values)));
    // every other weighted operator still corrected and int8
    const conv = m.operators.find((o) => o.op === 'CONV_2D')!;
    expect(m.tensors[conv.inputs[1]!]!.type).toBe('INT8');
    expect(named.summary.quantization!.notes).toContainEqual({ code: 'keep-float' });
  });

  it('refuses an operator name the graph does not have', async () => {
    await expect(convert({ quantize: { mode: 'int8', calibration: 'random', keepFloat: { names: ['nope'] } } })).rejects.toThrow(/--keep-float: no operator 'nope'/);
  });

  it('auto: loads its candidate models with their operator versions (BROADCAST_TO exists from version 2 on)', async () => {
    // x + broadcast(mean over rows of x): Expand of a computed tensor is a run-time BROADCAST_TO (no int8 rule)
    const expand: ModelSpec = {
      opset: 13,
      inputs: [{ name: 'x', shape: [8, 16] }],
      outputs: [{ name: 'y', shape: [8, 10] }],
      nodes: [
        { op: 'ReduceMean', inputs: ['x'], outputs: ['m'], attrs: { axes: ints([0]), keepdims: { i: 1 } } },
        { op: 'Expand', inputs: ['m', 'shape'], outputs: ['e'] },
        { op: 'Add', inputs: ['x', 'e'], outputs: ['s'] },
        { op: 'MatMul', inputs: ['s', 'w'], outputs: ['y'] },
      ],
      initializers: [{ name: 'shape', dims: [2], dataType: DT.INT64, values: [8, 16] }, weight('w', [16, 10], 7, 0.5)],
    };
    const { summary } = await convertFile(writeModel(expand), { quantize: { mode: 'int8', calibration: 'random', keepFloat: { auto: { minAgreement: 1 } } } });
    const q = summary.quantization!;
    expect(q.ops.find((o) => o.op === 'BROADCAST_TO')).toMatchObject({ status: 'float' });
    // it measured: the all-int8 model and the float one ran on the check samples
    expect(q.keepFloat!.allInt8!.agreement).toBeGreaterThan(0.5);
    expect(q.keepFloat!.modelsTried).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('auto: judges on calibration samples set aside, and what it keeps is what it measured to need', async () => {
    const { summary } = await convert({ quantize: { mode: 'int8', calibration: 'random', keepFloat: { auto: { minAgreement: 1 } } } });
    const q = summary.quantization!;
    const k = q.keepFloat!;
    expect(k.mode).toBe('auto');
    // --calibration random draws 100 samples: a quarter judges, the ranges come from the rest
    expect(k.checkSamples).toBe(25);
    expect(q.notes).toContainEqual({ code: 'calibrated', samples: 75, source: 'random' });
    const float = q.ops.filter((o) => o.status === 'float');
    expect(float.length).toBe(k.kept.length);
    if (k.allInt8!.agreement >= 1) expect(k.kept).toEqual([]);
    if (k.kept.length) {
      expect(k.reached).toBe(true);
      expect(k.chosen!.agreement).toBeGreaterThanOrEqual(1);
      for (const o of float) expect(o).toMatchObject({ why: { code: 'kept-auto', kept: k.kept.length, candidates: k.candidates, checkSamples: 25, agreement: k.chosen!.agreement } });
    }
    if (k.reached === false) expect(k.atCap!.agreement).toBeLessThan(1);
  }, 120_000);
});

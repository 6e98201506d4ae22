/**
 * The int8 scale rules on small float graphs: activation params hold 0 exactly, weights are
 * symmetric per channel, biases use input_scale x weight_scale, and the kernels' ties hold
 * (pooling keeps its input's params, CONCATENATION inputs equal its output, SOFTMAX/LOGISTIC/TANH
 * have their fixed output params), ops without an int8 rule stay float between DEQUANTIZE/QUANTIZE.
 */
import { describe, expect, it } from 'vitest';
import { activationParams, quantizeBias, quantizeValues } from '../../../src/convert/quantize/int8-params.js';
import { quantizeInt8 } from '../../../src/convert/quantize/int8.js';
import type { Range } from '../../../src/convert/quantize/ranges.js';
import { TfliteGraph } from '../../../src/convert/tflite/model.js';
import { assignOpVersions } from '../../../src/convert/tflite/op-version.js';

describe('int8 params', () => {
  it('maps the calibrated range onto [-128, 127] with 0 exactly representable', () => {
    for (const [lo, hi] of [[-1, 3], [0, 6], [-6, 0], [0.5, 2], [-0.37, 0.91]] as const) {
      const p = activationParams(lo, hi);
      const s = p.scale[0]!;
      const zp = p.zeroPoint[0]!;
      expect(Number.isInteger(zp) && zp >= -128 && zp <= 127).toBe(true);
      // 0 is a grid point; the ends of the (0-widened) range are within half a step of the grid ends
      expect(quantizeValues([0], p)[0]).toBe(zp);
      expect(Math.abs((-128 - zp) * s - Math.min(0, lo))).toBeLessThanOrEqual(s / 2 + 1e-12);
      expect(Math.abs((127 - zp) * s - Math.max(0, hi))).toBeLessThanOrEqual(s / 2 + 1e-12);
    }
    expect(activationParams(0, 6).zeroPoint[0]).toBe(-128); // ReLU output: nothing wasted below 0
    expect(activationParams(0, 0).scale[0]).toBeGreaterThan(0); // a constant-zero tensor still gets a valid scale
  });

  it('quantizes a bias at input_scale x weight_scale per channel, zero point 0', () => {
    const b = quantizeBias([0.5, -1, 0], 0.02, [0.01, 0.1, 1]);
    expect(b.params.scale).toEqual([0.0002, 0.002, 0.02].map(Math.fround));
    expect(b.params.zeroPoint).toEqual([0, 0, 0]);
    expect(Array.from(b.data)).toEqual([2500, -500, 0]);
  });
});

/** x -> CONV_2D(relu) -> MAX_POOL -> CONCAT(with LOGISTIC(x')) -> DIV -> SOFTMAX, plus TANH output */
function smallGraph() {
  const g = new TfliteGraph();
  const x = g.addTensor('x', [1, 4, 4, 2]);
  const w = g.addFloatConst('w', [3, 1, 1, 2], [0.5, -0.25, 1, 2, -0.1, 0.06]);
  const b = g.addFloatConst('b', [3], [0.1, -0.2, 0.3]);
  const conv = g.addTensor('conv', [1, 4, 4, 3]);
  g.addOp('CONV_2D', [x, w, b], [conv], { table: 'Conv2DOptions', values: { padding: 1, stride_w: 1, stride_h: 1, fused_activation_function: 1 } });
  const pool = g.addTensor('pool', [1, 2, 2, 3]);
  g.addOp('MAX_POOL_2D', [conv], [pool], { table: 'Pool2DOptions', values: { padding: 1, stride_w: 2, stride_h: 2, filter_width: 2, filter_height: 2 } });
  const sig = g.addTensor('sig', [1, 2, 2, 3]);
  g.addOp('LOGISTIC', [pool], [sig]);
  const cat = g.addTensor('cat', [1, 2, 2, 6]);
  g.addOp('CONCATENATION', [pool, sig], [cat], { table: 'ConcatenationOptions', values: { axis: 3 } });
  const two = g.addFloatConst('two', [1], [2]);
  const div = g.addTensor('div', [1, 2, 2, 6]);
  g.addOp('DIV', [cat, two], [div], { table: 'DivOptions', values: {} });
  const sm = g.addTensor('sm', [1, 2, 2, 6]);
  g.addOp('SOFTMAX', [div], [sm], { table: 'SoftmaxOptions', values: { beta: 1 } });
  const th = g.addTensor('th', [1, 2, 2, 6]);
  g.addOp('TANH', [div], [th]);
  g.inputs = [x];
  g.outputs = [sm, th];
  g.signatureInputs = [{ name: 'x', tensor: x }];
  g.signatureOutputs = [{ name: 'sm', tensor: sm }, { name: 'th', tensor: th }];
  const ranges = new Map<number, Range>([
    [x, { min: -2, max: 3 }], [conv, { min: 0, max: 4 }], [pool, { min: 0, max: 4 }], [sig, { min: 0.5, max: 0.98 }],
    [cat, { min: 0, max: 4 }], [div, { min: 0, max: 2 }], [sm, { min: 0.01, max: 0.5 }], [th, { min: 0, max: 0.96 }],
  ]);
  return { g, ranges };
}

describe('int8 pass', () => {
  const { g, ranges } = smallGraph();
  const { graph: q, report } = quantizeInt8(g, ranges, { io: 'float' });
  const byName = (n: string) => q.tensors.find((t) => t.name === n)!;
  const opOf = (name: string) => q.operators.find((o) => o.outputs.some((t) => q.tensors[t]!.name === name))!;
  const quantOf = (t: number) => q.tensors[t]!.quantization!;

  it('quantizes conv weights per output channel and its bias at input x weight scale', () => {
    const conv = opOf('conv');
    expect(q.tensors[conv.inputs[0]!]!.type).toBe('INT8');
    const w = q.tensors[conv.inputs[1]!]!;
    const bias = q.tensors[conv.inputs[2]!]!;
    expect(w.type).toBe('INT8');
    expect(w.quantization!.scale).toHaveLength(3);
    expect(w.quantization!.quantizedDimension).toBe(0);
    expect(w.quantization!.zeroPoint).toEqual([0, 0, 0]);
    expect(Array.from(new Int8Array(w.data!.buffer, w.data!.byteOffset, 6))).toEqual([127, -64, 64, 127, -127, 76]);
    expect(bias.type).toBe('INT32');
    const inScale = quantOf(conv.inputs[0]!).scale[0]!;
    bias.quantization!.scale.forEach((s, c) => expect(s).toBe(Math.fround(inScale * w.quantization!.scale[c]!)));
    // versions come from the final graph when it is written (assignOpVersions)
    assignOpVersions(q);
    expect(conv.version).toBe(3);
  });

  it('keeps pooling params, ties CONCATENATION inputs to its output, fixes LOGISTIC/SOFTMAX/TANH', () => {
    const pool = opOf('pool');
    expect(quantOf(pool.outputs[0]!)).toEqual(quantOf(pool.inputs[0]!));
    expect(quantOf(opOf('sig').outputs[0]!)).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    const cat = opOf('cat');
    for (const t of cat.inputs) expect(quantOf(t)).toEqual(quantOf(cat.outputs[0]!));
    expect(report.requantizeOps).toBeGreaterThan(0); // LOGISTIC's fixed output is requantized for the concat
    expect(quantOf(opOf('sm_internal').outputs[0]!)).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
    expect(quantOf(opOf('th_internal').outputs[0]!)).toEqual({ scale: [1 / 128], zeroPoint: [0] });
  });

  it('keeps DIV in float between DEQUANTIZE and QUANTIZE and says why', () => {
    const div = opOf('div');
    expect(q.tensors[div.inputs[0]!]!.type).toBe('FLOAT32');
    expect(q.tensors[div.outputs[0]!]!.type).toBe('FLOAT32');
    expect(opOf(q.tensors[div.inputs[0]!]!.name).op).toBe('DEQUANTIZE');
    expect(report.floatOps).toEqual([{ op: 'DIV', output: 'div', why: { code: 'no-int8-kernel', op: 'DIV', uint8Kernel: true } }]);
    expect(report.int8Ops).toEqual({ CONV_2D: 1, MAX_POOL_2D: 1, LOGISTIC: 1, CONCATENATION: 1, SOFTMAX: 1, TANH: 1 });
  });

  it('--io float keeps float32 inputs/outputs; --io int8 puts their params on the tensors', () => {
    expect(q.tensors[q.inputs[0]!]!.type).toBe('FLOAT32');
    expect(q.outputs.map((t) => q.tensors[t]!.type)).toEqual(['FLOAT32', 'FLOAT32']);
    expect(q.signatureOutputs.map((s) => q.tensors[s.tensor]!.name)).toEqual(['sm', 'th']);
    expect(opOf('sm').op).toBe('DEQUANTIZE');
    const i8 = quantizeInt8(g, ranges, { io: 'int8' });
    expect(i8.graph.tensors[i8.graph.inputs[0]!]!.type).toBe('INT8');
    expect(i8.report.inputs).toEqual([{ name: 'x', type: 'INT8', scale: Math.fround(5 / 255), zeroPoint: activationParams(-2, 3).zeroPoint[0] }]);
    expect(i8.report.outputs).toEqual([
      { name: 'sm', type: 'INT8', scale: 1 / 256, zeroPoint: -128 },
      { name: 'th', type: 'INT8', scale: 1 / 128, zeroPoint: 0 },
    ]);
    expect(i8.graph.operators.filter((o) => o.op === 'DEQUANTIZE')).toHaveLength(1); // only DIV's input
    expect(byName('x').type).toBe('FLOAT32');
  });
});

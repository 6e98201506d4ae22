/**
 * Bias correction on small float graphs: the bias moves by -(W_int8 - W) . E[x] with the weights
 * quantized exactly as the int8 pass quantizes them (conv per output channel, depthwise with a
 * channel multiplier, fully connected per tensor on a flattened input); a shared bias is copied and a
 * missing one added. And the tensors whose calibrated range keeps its extremes (graph outputs through
 * reshapes, SOFTMAX inputs).
 */
import { describe, expect, it } from 'vitest';
import { biasCorrectionInputs, correctBiases, ElementMeans } from '../../../src/convert/quantize/bias-correction.js';
import { extremeTensors } from '../../../src/convert/quantize/ranges.js';
import { symmetricInt8 } from '../../../src/convert/quantize/weights.js';
import { TfliteGraph } from '../../../src/convert/tflite/model.js';

const floats = (d: Uint8Array) => Array.from(new Float32Array(d.slice().buffer));

/** (W_int8 x scale - W) per element, as the int8 pass rounds W */
function roundingError(w: number[], shape: number[], axis: number | undefined): number[] {
  const q = symmetricInt8(Float32Array.from(w), shape, axis);
  const inner = axis === undefined ? w.length : shape.slice(axis + 1).reduce((a, d) => a * d, 1);
  return w.map((v, i) => q.values[i]! * q.scale[axis === undefined ? 0 : Math.floor(i / inner) % q.scale.length]! - Math.fround(v));
}

describe('bias correction', () => {
  const g = new TfliteGraph();
  const x = g.addTensor('x', [1, 2, 2, 2]);
  const wConv = [0.5, -0.33, 0.71, 0.2, -0.1, 0.061];
  const w = g.addFloatConst('w', [3, 1, 1, 2], wConv);
  const b = g.addFloatConst('b', [3], [0.1, -0.2, 0.3]);
  const conv = g.addTensor('conv', [1, 2, 2, 3]);
  g.addOp('CONV_2D', [x, w, b], [conv], { table: 'Conv2DOptions', values: { padding: 1, stride_w: 1, stride_h: 1 } });
  // two depthwise convs (multiplier 2 over conv's 3 channels) sharing one filter and one bias
  const wDw = [0.3, -0.77, 0.123, 0.9, -0.45, 0.0101];
  const dw = g.addFloatConst('dw', [1, 1, 1, 6], wDw);
  const dwb = g.addFloatConst('dwb', [6], [0, 0, 0, 0, 0, 0]);
  const dwOut = g.addTensor('dwout', [1, 2, 2, 6]);
  g.addOp('DEPTHWISE_CONV_2D', [conv, dw, dwb], [dwOut], { table: 'DepthwiseConv2DOptions', values: { padding: 1, stride_w: 1, stride_h: 1, depth_multiplier: 2 } });
  const dwOut2 = g.addTensor('dwout2', [1, 2, 2, 6]);
  g.addOp('DEPTHWISE_CONV_2D', [conv, dw, dwb], [dwOut2], { table: 'DepthwiseConv2DOptions', values: { padding: 1, stride_w: 1, stride_h: 1, depth_multiplier: 2 } });
  // fully connected on the flattened [1, 2, 2, 6] -> 24 inputs, no bias
  const wFc = Array.from({ length: 2 * 24 }, (_, i) => Math.sin(i * 1.7) * 0.3);
  const fc = g.addFloatConst('fc', [2, 24], wFc);
  const fcOut = g.addTensor('fcout', [1, 2]);
  g.addOp('FULLY_CONNECTED', [dwOut, fc], [fcOut], { table: 'FullyConnectedOptions', values: {} });
  const flat = g.addTensor('flat', [2]);
  g.addOp('RESHAPE', [fcOut], [flat]);
  const sm = g.addTensor('sm', [1, 2, 2, 6]);
  g.addOp('SOFTMAX', [dwOut2], [sm], { table: 'SoftmaxOptions', values: { beta: 1 } });
  g.inputs = [x];
  g.outputs = [flat, sm];

  it('measures the weighted operators\' inputs', () => {
    expect([...biasCorrectionInputs(g)].sort()).toEqual([x, conv, dwOut].sort());
  });

  it('moves each bias by -(W_int8 - W) . E[x]', () => {
    const means = new ElementMeans();
    // two samples of x: per-channel means (1.5, -0.5)
    means.add(x, [1, 0, 2, -1, 1, 0, 2, -1]);
    means.add(x, [1, 0, 2, -1, 1, 0, 2, -1]);
    const convMean = [0.2, 0.4, 0.6];
    means.add(conv, [...convMean, ...convMean, ...convMean, ...convMean]);
    const dwMean = Array.from({ length: 24 }, (_, i) => (i % 5) * 0.25);
    means.add(dwOut, dwMean);
    expect(correctBiases(g, means)).toBe(4);

    const eConv = roundingError(wConv, [3, 1, 1, 2], 0);
    const xMean = [1.5, -0.5];
    const convBias = floats(g.tensors[g.operators[0]!.inputs[2]!]!.data!);
    [0.1, -0.2, 0.3].forEach((b0, o) => expect(convBias[o]).toBeCloseTo(b0 - (eConv[2 * o]! * xMean[0]! + eConv[2 * o + 1]! * xMean[1]!), 6));

    // output channel o of the depthwise reads input channel floor(o / 2)
    const eDw = roundingError(wDw, [1, 1, 1, 6], 3);
    const [dw1, dw2] = [g.operators[1]!, g.operators[2]!];
    expect(dw1.inputs[2]).not.toBe(dw2.inputs[2]); // the shared bias was copied, not corrected twice
    for (const op of [dw1, dw2]) {
      const bias = floats(g.tensors[op.inputs[2]!]!.data!);
      bias.forEach((v, o) => expect(v).toBeCloseTo(-eDw[o]! * convMean[Math.floor(o / 2)]!, 6));
    }

    // the fully connected layer had no bias: it gets one, over the flattened input's element means
    const fcOp = g.operators[3]!;
    const eFc = roundingError(wFc, [2, 24], 0); // per output channel, as int8-rules.ts quantizes FULLY_CONNECTED weights
    const fcBias = floats(g.tensors[fcOp.inputs[2]!]!.data!);
    [0, 1].forEach((o) => expect(fcBias[o]).toBeCloseTo(-dwMean.reduce((s, m, i) => s + eFc[o * 24 + i]! * m, 0), 6));
  });

  it('keeps the extremes of the graph outputs (through reshapes) and of SOFTMAX inputs', () => {
    expect([...extremeTensors(g)].sort()).toEqual([flat, fcOut, sm, dwOut2].sort());
  });
});

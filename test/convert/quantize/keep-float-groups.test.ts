/**
 * --keep-float auto measured by groups (keep-float.ts Sensitivity): a small real ONNX MLP (9 fully
 * connected layers) converted with --quantize int8 twice, once measuring every candidate operator alone
 * and once with groups of consecutive candidates first (perOperatorMax under the candidate count, as a
 * transformer's hundreds of operators get). Both are LiteRT.js runs of real int8 models against the float
 * model: the grouped pass must keep the same operators float, with the same measured reasons, from
 * fewer built models (both measure sensitivity on the same 8 check samples, so equal means exactly equal).
 */
import { describe, expect, it } from 'vitest';
import { convertFile } from '../../../src/convert/index.js';
import { weight, type ModelSpec } from '../helpers/onnx-builder.js';
import { writeModel } from '../helpers/run.js';

const C = 32;
const LAYERS = 8;
const nodes: ModelSpec['nodes'] = [];
const initializers: ModelSpec['initializers'] = [];
for (let l = 0; l < LAYERS; l++) {
  const x = l === 0 ? 'x' : `r${l - 1}`;
  nodes.push({ op: 'MatMul', inputs: [x, `w${l}`], outputs: [`m${l}`] }, { op: 'Add', inputs: [`m${l}`, `b${l}`], outputs: [`a${l}`] }, { op: 'Tanh', inputs: [`a${l}`], outputs: [`r${l}`] });
  // uniform in [-s, s): s = sqrt(3 / C) x 1.6 keeps tanh's inputs near unit scale layer after layer
  initializers.push(weight(`w${l}`, [C, C], 100 + l, 1.6 * Math.sqrt(3 / C)), weight(`b${l}`, [C], 200 + l, 0.1));
}
nodes.push({ op: 'MatMul', inputs: [`r${LAYERS - 1}`, 'head'], outputs: ['y'] });
initializers.push(weight('head', [C, 10], 300, Math.sqrt(3 / C)));
const spec: ModelSpec = { opset: 13, inputs: [{ name: 'x', shape: [8, C] }], outputs: [{ name: 'y', shape: [8, 10] }], nodes, initializers };

describe('--keep-float auto by groups of operators', () => {
  it('keeps the operators a per-operator pass keeps, with the same reasons, from fewer models', async () => {
    const onnx = writeModel(spec);
    const run = (perOperatorMax: number) => convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random', keepFloat: { auto: { minAgreement: 0.95, maxShare: 0.5, perOperatorMax, sensitivitySamples: 8 } } } });
    const single = (await run(1000)).summary.quantization!.keepFloat!;
    const grouped = (await run(4)).summary.quantization!.keepFloat!;
    // the fixture must need mixed precision at all, else there is nothing to compare
    expect(single.allInt8!.agreement).toBeLessThan(1);
    expect(single.candidates).toBeGreaterThan(4);
    expect(single.groups).toBeUndefined();
    expect(grouped.groups).toMatchObject({ count: Math.ceil(Math.sqrt(single.candidates!)), sensitivitySamples: 8 });
    expect(grouped.groups!.refined).toBeLessThanOrEqual(grouped.groups!.count);
    // same choice: the same operators, ranked the same way, each with the same SQNR alone in int8 (both
    // passes measure on the same 8 check samples); measured: 2 of 25 kept (29.1 and 30.9 dB alone), agreement
    // 0.94 -> 0.965 on 25 check samples, 28 models singly, 18 by 5 groups (2 measured singly)
    expect(single.reached).toBe(true);
    expect(grouped.reached).toBe(true);
    expect(single.kept.length).toBeGreaterThan(0);
    expect(grouped.kept).toEqual(single.kept);
    expect(grouped.chosen).toEqual(single.chosen);
    expect(grouped.modelsTried!).toBeLessThan(single.modelsTried!);
  }, 300_000);

  it('past its budget of groups measured singly, ranks operators by their group and says so', async () => {
    const onnx = writeModel(spec);
    const { summary } = await convertFile(onnx, { quantize: { mode: 'int8', calibration: 'random', keepFloat: { auto: { minAgreement: 0.95, maxShare: 0.5, perOperatorMax: 4, maxRefinedGroups: 0, sensitivitySamples: 8 } } } });
    const k = summary.quantization!.keepFloat!;
    expect(k.groups).toMatchObject({ count: 5, refined: 0 });
    expect(k.reached).toBe(true);
    expect(k.chosen!.agreement).toBeGreaterThanOrEqual(0.95);
    expect(k.kept.length).toBeGreaterThan(0);
    // every kept operator carries its group's measurement: one group of 5, the worst, so one SQNR for all
    const groupSqnr = new Set<number>();
    for (const o of k.kept) {
      expect(o.why).toMatchObject({ code: 'kept-auto', groupSize: 5, candidates: 25 });
      if (o.why.code === 'kept-auto') groupSqnr.add(o.why.damageDb);
    }
    if (k.kept.length <= 5) expect(groupSqnr.size).toBe(1);
    // 5 group models, then the all-int8 one and the k steps: no operator measured alone
    expect(k.modelsTried!).toBeLessThan(5 + 1 + 8);
  }, 300_000);
});

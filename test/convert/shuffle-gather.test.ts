/**
 * Channel shuffles written as one GATHER (opt-in `gatherShuffles`), on small real ONNX models:
 * the TFLite structure and onnxruntime-node vs LiteRT.js on seeded inputs; shapes that are not a
 * permutation along one axis keep their Reshape-Transpose-Reshape. Plus the conformance-driven
 * lowerings: variadic Max/Min, ScatterND on run-time data with constant indices and updates; and
 * step-1 slices tiling one axis written as one SPLIT_V.
 */
import { describe, expect, it } from 'vitest';
import { int64s, weight, type ModelSpec, type NodeSpec, type TensorSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify } from './helpers/run.js';

const node = (op: string, inputs: string[], outputs: string[], attrs: NodeSpec['attrs'] = {}): NodeSpec => ({ op, inputs, outputs, attrs });
function graph(input: number[], nodes: NodeSpec[], initializers: TensorSpec[] = [], extraInputs: { name: string; shape: number[] }[] = []): ModelSpec {
  return { opset: 17, inputs: [{ name: 'x', shape: input }, ...extraInputs], outputs: [{ name: 'y', shape: null }], nodes, initializers };
}
/** conv (so the layout is NHWC inside), then ShuffleNet's channel shuffle with `groups`, then a conv */
function shuffleNet(c: number, groups: number, perm = [0, 2, 1, 3, 4], identity = false): ModelSpec {
  return graph([1, 4, 6, 5], [
    node('Conv', ['x', 'w1'], ['a']),
    node('Reshape', ['a', 'split'], ['v']),
    node('Transpose', ['v'], [identity ? 't0' : 't'], { perm: { ints: perm } }),
    ...(identity ? [node('Identity', ['t0'], ['t'])] : []),
    node('Reshape', ['t', 'merge'], ['s']),
    node('Conv', ['s', 'w2'], ['y']),
  ], [weight('w1', [c, 4, 1, 1], 1), weight('w2', [3, c, 1, 1], 2), int64s('split', [1, groups, c / groups, 6, 5]), int64s('merge', [1, c, 6, 5])]);
}

async function exact(spec: ModelSpec, opts: { gatherShuffles?: boolean; nhwc?: boolean } = {}) {
  const conv = await convertSpec(spec, opts);
  const r = await verify(conv, !!opts.nhwc);
  expect(r.problems).toEqual([]);
  expect(r.maxRef).toBeGreaterThan(0.5);
  expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  return conv.ops;
}

describe('channel shuffle as one GATHER', () => {
  it('is off by default (XNNPACK delegates TRANSPOSE, not GATHER): the shuffle goes into the conv after it', async () => {
    const ops = await exact(shuffleNet(8, 2));
    expect(ops.filter((o) => o === 'GATHER')).toEqual([]);
    expect(await exact(shuffleNet(8, 2), { nhwc: true })).toEqual(['CONV_2D', 'CONV_2D']);
  });

  it.each([[8, 2], [12, 3], [12, 4]])('C=%i, groups=%i: one GATHER along channels, exact (NCHW and NHWC I/O)', async (c, g) => {
    for (const nhwc of [false, true]) {
      const ops = await exact(shuffleNet(c, g), { gatherShuffles: true, nhwc });
      expect(ops.filter((o) => o === 'GATHER').length).toBe(1);
      expect(ops.filter((o) => o === 'RESHAPE')).toEqual([]);
      expect(ops.filter((o) => o === 'CONV_2D').length).toBe(2);
    }
  });

  it("through torch's clone() (an Identity between Transpose and Reshape)", async () => {
    const ops = await exact(shuffleNet(8, 2, [0, 2, 1, 3, 4], true), { gatherShuffles: true, nhwc: true });
    expect(ops).toEqual(['CONV_2D', 'GATHER', 'CONV_2D']);
  });

  it('a transpose that moves a spatial axis is not a channel permutation: left alone', async () => {
    const ops = await exact(shuffleNet(8, 2, [0, 1, 3, 2, 4]), { gatherShuffles: true });
    expect(ops).not.toContain('GATHER');
  });
});

describe("Slices that tile one axis (torch's chunk in a TorchScript export) as one Split", () => {
  const slice = (out: string, start: number, end: number, axis = 'ax1'): NodeSpec => node('Slice', ['a', `s${start}`, `e${end}`, axis], [out]);
  const consts = (ranges: [number, number][]) => ranges.flatMap(([s, e]) => [int64s(`s${s}`, [s]), int64s(`e${e}`, [e])]);
  it('two halves along channels: one SPLIT_V instead of two STRIDED_SLICE, exact', async () => {
    const spec = graph([1, 4, 5, 5], [
      node('Conv', ['x', 'w'], ['a']), slice('p', 0, 4), slice('q', 4, 8), node('Sub', ['p', 'q'], ['y']),
    ], [weight('w', [8, 4, 1, 1], 3), int64s('ax1', [1]), ...consts([[0, 4], [4, 8]])]);
    const ops = await exact(spec, { nhwc: true });
    expect(ops).toEqual(['CONV_2D', 'SPLIT_V', 'SUB']);
  });
  it('slices that leave a gap stay slices', async () => {
    const gap = graph([1, 4, 5, 5], [
      node('Conv', ['x', 'w'], ['a']), slice('p', 0, 3), slice('q', 4, 7), node('Add', ['p', 'q'], ['y']),
    ], [weight('w', [8, 4, 1, 1], 3), int64s('ax1', [1]), ...consts([[0, 3], [4, 7]])]);
    expect(await exact(gap, { nhwc: true })).toEqual(['CONV_2D', 'STRIDED_SLICE', 'STRIDED_SLICE', 'ADD']);
  });
});

describe('lowerings the node tests asked for', () => {
  it('Max of three inputs (one broadcast) is a chain of two MAXIMUM; Min of one input is that input', async () => {
    const three = graph([2, 3], [node('Max', ['x', 'p', 'q'], ['y'])], [], [{ name: 'p', shape: [2, 3] }, { name: 'q', shape: [3] }]);
    expect((await exact(three)).filter((o) => o !== 'RESHAPE')).toEqual(['MAXIMUM', 'MAXIMUM']); // q is reshaped to rank 2
    const one = graph([2, 3], [node('Relu', ['x'], ['r']), node('Min', ['r'], ['y'])]);
    expect(await exact(one)).toEqual(['RELU']);
  });

  it('ScatterND on run-time data: reduction none as one SELECT_V2, add with a duplicate index as two ADD', async () => {
    const idx: TensorSpec = { ...int64s('i', [0, 2]), dims: [2, 1] };
    const none = graph([4, 3], [node('ScatterND', ['x', 'i', 'u'], ['y'])], [idx, weight('u', [2, 3], 7, 2)]);
    expect(await exact(none)).toEqual(['SELECT_V2']);
    const dup: TensorSpec = { ...int64s('i', [1, 1]), dims: [2, 1] };
    const add = graph([4, 3], [node('ScatterND', ['x', 'i', 'u'], ['y'], { reduction: { s: 'add' } })], [dup, weight('u', [2, 3], 8, 2)]);
    expect(await exact(add)).toEqual(['ADD', 'ADD']);
  });
});

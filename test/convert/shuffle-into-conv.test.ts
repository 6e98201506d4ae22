/**
 * Channel shuffles folded into the convolutions after them (the default): on small real ONNX models,
 * the TFLite structure and onnxruntime-node vs LiteRT.js on seeded inputs (tolerance 1e-4 x max(1, max|y|)).
 * Through per-channel ops (depthwise conv, activations) into a group-1 conv (weights permuted) or a
 * group-2 conv (expanded to group 1 with zero blocks); anything else keeps its Reshape-Transpose-Reshape.
 */
import { describe, expect, it } from 'vitest';
import { int64s, weight, type ModelSpec, type NodeSpec, type TensorSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify } from './helpers/run.js';

const node = (op: string, inputs: string[], outputs: string[], attrs: NodeSpec['attrs'] = {}): NodeSpec => ({ op, inputs, outputs, attrs });
const C = 8;
const H = 6;
const W = 5;
/** conv to C channels, then the channel shuffle of `groups`, then `after` reading 's' and writing 'y' */
function shuffled(groups: number, after: NodeSpec[], inits: TensorSpec[], extraOutputs: string[] = []): ModelSpec {
  return {
    opset: 17,
    inputs: [{ name: 'x', shape: [1, 4, H, W] }],
    outputs: [{ name: 'y', shape: null }, ...extraOutputs.map((name) => ({ name, shape: null }))],
    nodes: [
      node('Conv', ['x', 'w1', 'b1'], ['a']),
      node('Reshape', ['a', 'split'], ['v']),
      node('Transpose', ['v'], ['t'], { perm: { ints: [0, 2, 1, 3, 4] } }),
      node('Reshape', ['t', 'merge'], ['s']),
      ...after,
    ],
    initializers: [weight('w1', [C, 4, 1, 1], 1), weight('b1', [C], 2), int64s('split', [1, groups, C / groups, H, W]), int64s('merge', [1, C, H, W]), ...inits],
  };
}
/** FBNet's block: shuffle -> depthwise 3x3 + ReLU -> grouped 1x1 conv, added to the unshuffled input */
function fbnetBlock(group: number, residual = true): ModelSpec {
  return shuffled(2, [
    node('Conv', ['s', 'wd', 'bd'], ['d'], { group: { i: C }, pads: { ints: [1, 1, 1, 1] } }),
    node('Relu', ['d'], ['r']),
    node('Conv', ['r', 'wp', 'bp'], [residual ? 'p' : 'y'], { group: { i: group } }),
    ...(residual ? [node('Add', ['p', 'a'], ['y'])] : []),
  ], [weight('wd', [C, 1, 3, 3], 3), weight('bd', [C], 4), weight('wp', [C, C / group, 1, 1], 5), weight('bp', [C], 6)]);
}

async function exact(spec: ModelSpec, nhwc = true) {
  const conv = await convertSpec(spec, { nhwc });
  const r = await verify(conv, nhwc);
  expect(r.problems).toEqual([]);
  expect(r.maxRef).toBeGreaterThan(0.5);
  expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  return conv.ops;
}

describe('channel shuffle folded into the convs after it', () => {
  it("FBNet's block (depthwise + ReLU, grouped 1x1 conv, residual on the unshuffled value): no RESHAPE / TRANSPOSE, exact", async () => {
    expect(await exact(fbnetBlock(2))).toEqual(['CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'ADD']);
    // NCHW I/O: only the edge transposes
    expect(await exact(fbnetBlock(2), false)).toEqual(['TRANSPOSE', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'ADD', 'TRANSPOSE']);
  });

  it('straight into a group-1 conv (its weights permuted), and through an activation', async () => {
    expect(await exact(shuffled(4, [node('Conv', ['s', 'w2'], ['y'])], [weight('w2', [3, C, 1, 1], 7)]))).toEqual(['CONV_2D', 'CONV_2D']);
    const viaSigmoid = shuffled(2, [node('Sigmoid', ['s'], ['g']), node('Conv', ['g', 'w2'], ['y'], { pads: { ints: [1, 1, 1, 1] } })], [weight('w2', [3, C, 3, 3], 8, 2)]);
    expect(await exact(viaSigmoid)).toEqual(['CONV_2D', 'LOGISTIC', 'CONV_2D']);
  });

  it('left as Reshape-Transpose-Reshape: a conv of more than 2 groups, a shuffled value read twice, no conv at the end', async () => {
    const grouped4 = await exact(fbnetBlock(4));
    expect(grouped4.filter((o) => o === 'TRANSPOSE')).toHaveLength(1);
    const readTwice = shuffled(2, [node('Conv', ['s', 'w2'], ['c2']), node('Add', ['c2', 's'], ['y'])], [weight('w2', [C, C, 1, 1], 9)]);
    expect((await exact(readTwice)).filter((o) => o === 'TRANSPOSE')).toHaveLength(1);
    const noConv = shuffled(2, [node('Relu', ['s'], ['y'])], []);
    expect((await exact(noConv)).filter((o) => o === 'TRANSPOSE')).toHaveLength(1);
    // an inner value that is also a graph output keeps the chain
    const exposed = shuffled(2, [node('Relu', ['s'], ['r']), node('Conv', ['r', 'w2'], ['y'])], [weight('w2', [3, C, 1, 1], 10)], ['r']);
    expect((await exact(exposed)).filter((o) => o === 'TRANSPOSE')).toHaveLength(1);
  });
});

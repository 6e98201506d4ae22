/**
 * One tensor per distinct constant (tflite/share-constants.ts): small real ONNX models whose separate
 * initializers hold the same values convert to a .tflite that stores them once, still exact against
 * onnxruntime-node (LiteRT.js runs the file); constants that differ in one value stay apart.
 */
import { describe, expect, it } from 'vitest';
import { int64s, weight, type ModelSpec, type NodeSpec, type TensorSpec } from './helpers/onnx-builder.js';
import { convertSpec, expectVerified, type Converted } from './helpers/run.js';

const node = (op: string, inputs: string[], outputs: string[], attrs: NodeSpec['attrs'] = {}): NodeSpec => ({ op, inputs, outputs, attrs });

/** x -> Pad(p1) -> Relu -> Pad(p2) -> Relu -> Pad(p3) -> y, each pads its own initializer */
function padChain(p3: number[]): ModelSpec {
  return {
    opset: 17,
    inputs: [{ name: 'x', shape: [1, 2, 3, 3] }],
    outputs: [{ name: 'y', shape: null }],
    nodes: [
      node('Pad', ['x', 'p1'], ['a']), node('Relu', ['a'], ['b']),
      node('Pad', ['b', 'p2'], ['c']), node('Neg', ['c'], ['d']),
      node('Pad', ['d', 'p3'], ['y']),
    ],
    initializers: [int64s('p1', [0, 0, 1, 1, 0, 0, 1, 1]), int64s('p2', [0, 0, 1, 1, 0, 0, 1, 1]), int64s('p3', p3)],
  };
}

const paddings = (c: Converted) => c.model.operators.filter((o) => o.op === 'PAD').map((o) => o.inputs[1]!);

describe('identical constants are written once', () => {
  it('three Pads, two with the same pads: two paddings tensors, exact', async () => {
    const c = await convertSpec(padChain([0, 0, 0, 1, 0, 0, 2, 0]));
    const p = paddings(c);
    expect(p).toHaveLength(3);
    expect(p[0]).toBe(p[1]);
    expect(p[2]).not.toBe(p[0]);
    await expectVerified(c, 0.5);
  });

  it('three Pads with the same pads: one paddings tensor for all', async () => {
    const c = await convertSpec(padChain([0, 0, 1, 1, 0, 0, 1, 1]));
    expect(new Set(paddings(c)).size).toBe(1);
    await expectVerified(c, 0.5);
  });

  it('equal float weights share a tensor; weights one value apart stay apart', async () => {
    const w = weight('w1', [2], 3, 0.5);
    const nearly = Float32Array.from(w.values as ArrayLike<number>);
    nearly[1] = nearly[1]! + 1e-3;
    const same: TensorSpec = { ...w, name: 'w2' };
    const apart: TensorSpec = { ...w, name: 'w3', values: nearly };
    const c = await convertSpec({
      opset: 17,
      inputs: [{ name: 'x', shape: [1, 2] }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [node('Mul', ['x', 'w1'], ['a']), node('Add', ['a', 'w2'], ['b']), node('Sub', ['b', 'w3'], ['y'])],
      initializers: [w, same, apart],
    });
    const constOf = (op: string) => c.model.operators.find((o) => o.op === op)!.inputs[1]!;
    expect(constOf('MUL')).toBe(constOf('ADD'));
    expect(constOf('SUB')).not.toBe(constOf('MUL'));
    await expectVerified(c, 0.1);
  });

  it('float16: a weight stored twice becomes one FLOAT16 tensor and one DEQUANTIZE (the zero biases too)', async () => {
    const w = weight('w1', [4, 2, 1, 1], 5, 0.5);
    const c = await convertSpec({
      opset: 17,
      inputs: [{ name: 'x', shape: [1, 2, 3, 3] }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [node('Conv', ['x', 'w1'], ['a']), node('Relu', ['a'], ['b']), node('Conv', ['x', 'w2'], ['c']), node('Add', ['b', 'c'], ['y'])],
      initializers: [w, { ...w, name: 'w2' }],
    }, { quantize: { mode: 'float16' } });
    // the filter and the bias TFLite's CONV_2D gets (zeros: ONNX's Conv has none here)
    expect(c.model.tensors.filter((t) => t.type === 'FLOAT16')).toHaveLength(2);
    expect(c.ops.filter((o) => o === 'DEQUANTIZE')).toHaveLength(2);
    const convs = c.model.operators.filter((o) => o.op === 'CONV_2D');
    expect(convs[1]!.inputs.slice(1)).toEqual(convs[0]!.inputs.slice(1));
  });
});

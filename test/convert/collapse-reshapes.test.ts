/**
 * RESHAPE chains collapsed on the written TFLite graph: back-to-back reshapes become one (the bytes keep
 * their order, only the last shape counts), checked on small real ONNX models with onnxruntime-node vs
 * LiteRT.js on seeded inputs; a reshape whose result is also read elsewhere stays.
 */
import { describe, expect, it } from 'vitest';
import { int64s, type ModelSpec, type NodeSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify } from './helpers/run.js';

const node = (op: string, inputs: string[], outputs: string[]): NodeSpec => ({ op, inputs, outputs, attrs: {} });
const spec = (nodes: NodeSpec[], outputs = ['y']): ModelSpec => ({
  opset: 17,
  inputs: [{ name: 'x', shape: [2, 3, 4] }],
  outputs: outputs.map((name) => ({ name, shape: null })),
  nodes,
  initializers: [int64s('s1', [6, 4]), int64s('s2', [4, 6]), int64s('s3', [24])],
});

async function exact(s: ModelSpec) {
  const c = await convertSpec(s);
  const r = await verify(c);
  expect(r.problems).toEqual([]);
  expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  return c.ops;
}

describe('RESHAPE chains', () => {
  it('three reshapes in a row between two ops are one RESHAPE, exact', async () => {
    const ops = await exact(spec([node('Relu', ['x'], ['r']), node('Reshape', ['r', 's1'], ['a']), node('Reshape', ['a', 's2'], ['b']),
      node('Reshape', ['b', 's3'], ['c']), node('Neg', ['c'], ['y'])]));
    expect(ops).toEqual(['RELU', 'RESHAPE', 'NEG']);
  });

  it('a reshape whose result is read by another op too stays', async () => {
    const ops = await exact(spec([node('Relu', ['x'], ['r']), node('Reshape', ['r', 's1'], ['a']), node('Neg', ['a'], ['y']),
      node('Reshape', ['a', 's2'], ['b']), node('Abs', ['b'], ['z'])], ['y', 'z']));
    expect(ops.filter((o) => o === 'RESHAPE')).toHaveLength(2);
    expect(ops).toContain('NEG');
  });
});

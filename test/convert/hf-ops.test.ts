/**
 * Ops HuggingFace transformers exports carry (torch.onnx, both exporters), each on a small real ONNX
 * model: the TFLite structure, and onnxruntime-node vs LiteRT.js on seeded standard-normal inputs
 * (tolerance 1e-4 * max(1, max|y|), the verifier's).
 */
import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/convert.js';
import { readOnnxFile } from '../../src/onnx/read.js';
import { type ModelSpec, type NodeSpec, type TensorSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify, writeModel } from './helpers/run.js';

const node = (op: string, inputs: string[], outputs: string[], attrs: NodeSpec['attrs'] = {}): NodeSpec => ({ op, inputs, outputs, attrs });
const f32 = (name: string, dims: number[], values: number[]): TensorSpec => ({ name, dims, values });
function graph(input: number[], nodes: NodeSpec[], initializers: TensorSpec[] = [], opset = 17): ModelSpec {
  return { opset, inputs: [{ name: 'x', shape: input }], outputs: [{ name: 'y', shape: null }], nodes, initializers };
}

describe('IsNaN (torch SDPA export: Where(IsNaN(softmax), 0, softmax))', () => {
  it('NOT_EQUAL(x, x) at run time: Sqrt of standard-normal inputs is NaN on about half the elements, and all of them are caught', async () => {
    const spec = graph([4, 16], [
      node('Sqrt', ['x'], ['s']), node('IsNaN', ['s'], ['nan']), node('Where', ['nan', 'zero', 's'], ['z']), node('Add', ['z', 'x'], ['y']),
    ], [f32('zero', [], [0])], 20);
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(['SQRT', 'NOT_EQUAL', 'SELECT_V2', 'ADD']);
    const r = await verify(conv);
    expect(r.problems).toEqual([]);
    expect(r.maxRef).toBeGreaterThan(0.5);
    expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  });

  it('the SDPA form at opset 13 (TorchScript) and 20 (dynamo) converts exactly', async () => {
    for (const opset of [13, 20]) {
      const conv = await convertSpec(graph([2, 3, 8], [
        node('Softmax', ['x'], ['p'], { axis: { i: -1 } }), node('IsNaN', ['p'], ['nan']), node('Where', ['nan', 'zero', 'p'], ['q']), node('Add', ['q', 'x'], ['y']),
      ], [f32('zero', [], [0])], opset));
      expect(conv.ops).toEqual(['SOFTMAX', 'NOT_EQUAL', 'SELECT_V2', 'ADD']);
      const r = await verify(conv);
      expect(r.problems).toEqual([]);
      expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
    }
  });

  it('on a constant it folds away (NaN, infinities and numbers)', async () => {
    const spec = graph([4], [node('IsNaN', ['c'], ['nan']), node('Where', ['nan', 'x', 'c'], ['y'])], [f32('c', [4], [Number.NaN, Infinity, -1, 0])], 13);
    const { ir, blockers } = convertModel(await readOnnxFile(writeModel(spec)));
    expect(blockers).toEqual([]);
    expect(ir.nodes.map((n) => n.op)).toEqual(['Where']);
    expect(Array.from(ir.values.get('nan')!.const!.data)).toEqual([1, 0, 0, 0]);
  });
});

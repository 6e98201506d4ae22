// TFLite's STRIDED_SLICE takes at most 5 dimensions: a run-time Slice of rank 6 or more is refused (before, it
// was written and LiteRT failed to prepare the file: "number of dimensions 7 must be less than 6"), rank 5 converts.
import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/convert.js';
import { readOnnxFile } from '../../src/onnx/read.js';
import { refusalText } from '../../src/report/refusal.js';
import { DT, type ModelSpec, type NodeSpec } from './helpers/onnx-builder.js';
import { convertSpec, expectVerified, writeModel } from './helpers/run.js';

const node = (op: string, inputs: string[], outputs: string[]): NodeSpec => ({ op, inputs, outputs, attrs: {} });
const ints = (name: string, values: number[]) => ({ name, dims: [values.length], dataType: DT.INT64, values });

function sliceModel(shape: number[]): ModelSpec {
  return {
    opset: 13, inputs: [{ name: 'x', shape }], outputs: [{ name: 'y', shape: null }],
    nodes: [node('Slice', ['x', 'starts', 'ends', 'axes'], ['y'])],
    initializers: [ints('starts', [1]), ints('ends', [3]), ints('axes', [shape.length - 1])],
  };
}

describe('Slice and the rank STRIDED_SLICE takes', () => {
  it('rank 5 at run time: STRIDED_SLICE, onnxruntime agrees', async () => {
    const conv = await convertSpec(sliceModel([1, 2, 2, 3, 4]));
    expect(conv.ops).toEqual(['STRIDED_SLICE']);
    await expectVerified(conv, 0.5);
  });

  it('rank 6 at run time: refused with the kernel limit as the reason', async () => {
    const { blockers } = convertModel(await readOnnxFile(writeModel(sliceModel([1, 2, 2, 2, 3, 4]))));
    expect(blockers).toEqual([expect.objectContaining({ op: 'Slice', code: 'kernel-rank-limit', args: { kernel: 'STRIDED_SLICE', rank: 6, max: 5 } })]);
    expect(refusalText(blockers[0]!)).toMatch(/rank 6: TFLite's STRIDED_SLICE takes at most 5 dimensions/);
  });
});

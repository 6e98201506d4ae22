/**
 * Dropout in inference form: the output is the input (numbers: onnxruntime-node vs LiteRT.js,
 * tolerance 1e-4 x max(1, max|y|)); the mask output is an all-kept BOOL constant written by a RESHAPE
 * (LiteRT.js cannot read BOOL tensors, so the lowering's operators are checked); training with a
 * ratio other than 0 is random and refused.
 */
import { describe, expect, it } from 'vitest';
import { buildIr } from '../../src/convert/build-ir.js';
import { EmitContext } from '../../src/convert/emit.js';
import { ConversionRefused, convertFile } from '../../src/convert/index.js';
import { inferAndFold } from '../../src/convert/passes/infer.js';
import { findLowering } from '../../src/convert/registry.js';
import { TfliteGraph } from '../../src/convert/tflite/model.js';
import { readOnnxFile } from '../../src/onnx/read.js';
import { DT, type ModelSpec } from './helpers/onnx-builder.js';
import { convertSpec, verify, writeModel } from './helpers/run.js';

const scalar = (name: string, dataType: number, v: number) => ({ name, dims: [], dataType, values: [v] });

describe('Dropout', () => {
  it('opset 13 with ratio 0.3 and training_mode constant false is the identity (after a Relu)', async () => {
    const spec: ModelSpec = {
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      outputs: [{ name: 'y', shape: null }],
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['a'] }, { op: 'Dropout', inputs: ['a', 'r', 'f'], outputs: ['y'] }],
      initializers: [scalar('f', DT.BOOL, 0), scalar('r', DT.FLOAT, 0.3)],
    };
    const conv = await convertSpec(spec);
    expect(conv.ops).toEqual(['RELU']);
    const r = await verify(conv);
    expect(r.problems).toEqual([]);
    expect(r.maxRef).toBeGreaterThan(0);
    expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  });

  it('training_mode true with ratio 0 is the identity too; the mask is an all-true BOOL tensor written by a RESHAPE', () => {
    // lowered directly (graph-output policy for BOOL tensors is convert.ts's business, not the lowering's)
    const loaded = readOnnxFile(writeModel({
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: [{ name: 'y', shape: null }, { name: 'mask', shape: null, elemType: DT.BOOL }],
      nodes: [{ op: 'Dropout', inputs: ['x', 'zero', 't'], outputs: ['y', 'mask'] }],
      initializers: [scalar('zero', DT.FLOAT, 0), scalar('t', DT.BOOL, 1)],
    }));
    const { ir, blockers } = buildIr(loaded);
    inferAndFold(ir, blockers);
    expect(blockers).toEqual([]);
    expect(ir.values.get('mask')).toMatchObject({ dtype: DT.BOOL, shape: [2, 3] });
    const g = new TfliteGraph();
    const ctx = new EmitContext(ir, g);
    ctx.define('x', g.addTensor('x', [2, 3]), [0, 1]);
    findLowering('Dropout', 13)!.lower(ir.nodes[0]!, ctx);
    expect(ctx.primary('y').tensor).toBe(ctx.primary('x').tensor); // the output is the input
    const writer = g.operators.find((o) => o.outputs[0] === ctx.primary('mask').tensor)!;
    expect(writer.op).toBe('RESHAPE');
    const kept = g.tensors[writer.inputs[0]!]!;
    expect(kept).toMatchObject({ type: 'BOOL', shape: [2, 3] });
    expect(Array.from(kept.data!)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('refuses training with a non-zero ratio (random) and a training_mode computed at run time', async () => {
    const p = writeModel({
      opset: 13,
      inputs: [{ name: 'x', shape: [2, 3] }, { name: 't', shape: [], elemType: DT.BOOL }],
      outputs: [{ name: 'a', shape: null }, { name: 'b', shape: null }],
      nodes: [
        { op: 'Dropout', name: 'random', inputs: ['x', 'half', 'yes'], outputs: ['a'] },
        { op: 'Dropout', name: 'runtime', inputs: ['x', 'half', 't'], outputs: ['b'] },
      ],
      initializers: [scalar('half', DT.FLOAT, 0.5), scalar('yes', DT.BOOL, 1)],
    });
    const err = await convertFile(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConversionRefused);
    const why = Object.fromEntries((err as ConversionRefused).blockers.map((b) => [b.node, { code: b.code, args: b.args }]));
    expect(why).toMatchObject({ random: { code: 'dropout-random', args: { ratio: 0.5 } }, runtime: { code: 'const-input-required', args: { input: 'training_mode', index: 2 } } });
    expect((err as Error).message).toMatch(/ratio 0.5 is random/);
  });
});

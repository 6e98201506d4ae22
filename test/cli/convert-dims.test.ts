// convert --dim NAME=N: torch's dynamic axes (HF exports with dynamic_axes {0: batch, 1: sequence}) are
// symbolic dimensions the .tflite needs sizes for; --verify feeds onnxruntime the same sizes. Run as the
// built binary on a BERT-style model with symbolic 'batch' and 'sequence' (test/convert/helpers/onnx-builder.ts).
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DT, weight, type ModelSpec } from '../convert/helpers/onnx-builder.js';
import { tempDir, writeModel } from '../convert/helpers/run.js';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'dist/tfdoctor.cjs');

const spec: ModelSpec = {
  opset: 17,
  inputs: [{ name: 'input_ids', shape: ['batch', 'sequence'], elemType: DT.INT64 }, { name: 'attention_mask', shape: ['batch', 'sequence'], elemType: DT.INT64 }],
  outputs: [{ name: 'y', shape: null }],
  nodes: [
    { op: 'Gather', inputs: ['emb', 'input_ids'], outputs: ['e'], attrs: { axis: { i: 0 } } },
    { op: 'Cast', inputs: ['attention_mask'], outputs: ['m'], attrs: { to: { i: DT.FLOAT } } },
    { op: 'Unsqueeze', inputs: ['m', 'ax'], outputs: ['m2'] },
    { op: 'Mul', inputs: ['e', 'm2'], outputs: ['y'] },
  ],
  initializers: [weight('emb', [30, 4], 21, 2), { name: 'ax', dims: [1], dataType: DT.INT64, values: [2] }],
};

describe('convert --dim', () => {
  const model = writeModel(spec, tempDir(), 'dyn.onnx');
  const run = (...args: string[]) => execa('node', [bin, 'convert', model, '-o', join(tempDir(), 'm.tflite'), '-q', ...args], { reject: false, stdin: 'ignore', timeout: 120_000 });

  it('without it a dynamic sequence is refused, and the refusal names the flag', async () => {
    const r = await run();
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("dimension 1 is dynamic (sequence); TFLite needs static shapes (give its size: --dim sequence=N)");
  });

  it('--dim sequence=7 converts ([1, 7] int32 inputs, noted) and --verify feeds onnxruntime [1, 7] too', async () => {
    const r = await run('--dim', 'sequence=7', '--verify', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { inputs: { name: string; shape: number[] }[]; notes: { code: string; dim?: string; size?: number }[]; verify: { pass: boolean; maxRef: number } };
    expect(doc.inputs).toEqual([{ name: 'input_ids', shape: [1, 7] }, { name: 'attention_mask', shape: [1, 7] }]);
    expect(doc.notes).toContainEqual(expect.objectContaining({ code: 'named-dim', dim: 'sequence', size: 7 }));
    expect(doc.verify.pass).toBe(true);
    expect(doc.verify.maxRef).toBeGreaterThan(0.5);
  });

  it('a named batch wins over the default 1; a malformed --dim is a usage error', async () => {
    const r = await run('--dim', 'batch=2,sequence=3', '--verify', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { inputs: { shape: number[] }[] }).inputs[0]!.shape).toEqual([2, 3]);
    const bad = await run('--dim', 'sequence');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--dim takes NAME=SIZE pairs');
    const zero = await run('--dim', 'sequence=0');
    expect(zero.stderr).toContain('--dim sequence must be a positive integer');
  });
});

// --batch N: a symbolic first dimension the conversion sized N; --verify (float, float16, int8) must feed
// onnxruntime the same N, not 1 (before: LiteRT refused the [1, ...] feed of a [N, ...] input)
describe('convert --batch N --verify', () => {
  const model = writeModel({
    opset: 17,
    inputs: [{ name: 'x', shape: ['N', 3, 6, 6] }],
    outputs: [{ name: 'y', shape: null }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: { ints: [1, 1, 1, 1] } } },
      { op: 'Relu', inputs: ['c'], outputs: ['y'] },
    ],
    initializers: [weight('w', [4, 3, 3, 3], 5, 0.5), weight('b', [4], 6, 0.5)],
  }, tempDir(), 'batch.onnx');
  const run = (...args: string[]) => execa('node', [bin, 'convert', model, '-o', join(tempDir(), 'b.tflite'), '-q', '--batch', '3', '--verify', '--json', ...args], { reject: false, stdin: 'ignore', timeout: 120_000 });

  it('float: [3, 3, 6, 6] in, verified on batch-3 feeds', async () => {
    const r = await run();
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { inputs: { shape: number[] }[]; verify: { pass: boolean; maxRef: number; maxAbs: number; tolerance: number } };
    expect(doc.inputs[0]!.shape).toEqual([3, 3, 6, 6]);
    expect(doc.verify.pass).toBe(true);
    expect(doc.verify.maxRef).toBeGreaterThan(0.5);
    expect(doc.verify.maxAbs).toBeLessThanOrEqual(doc.verify.tolerance);
  });

  it('--quantize float16: the quantized check runs on batch-3 feeds too', async () => {
    const r = await run('--quantize', 'float16', '--nhwc');
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { inputs: { shape: number[] }[]; verify: { kind: string; pass: boolean; problems: string[]; sqnrDb: number; samples: number; outputs: { rows: number }[] } };
    expect(doc.inputs[0]!.shape).toEqual([3, 6, 6, 3]);
    expect(doc.verify.kind).toBe('quantized');
    expect(doc.verify.problems).toEqual([]);
    expect(doc.verify.pass).toBe(true);
    expect(doc.verify.sqnrDb).toBeGreaterThan(50);
  });
});

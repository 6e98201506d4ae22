// A refused conversion through the built binary: the blockers are data (code and arguments) worded by one
// formatter (src/report/refusal.ts). The stderr lines below are the ones the converter printed before its
// refusals became codes (the same models through the build of main at fa18146, byte for byte): the wording
// moved, the words did not. --json carries each blocker's code, arguments and words.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { buildModel, DT, int64s, type ModelSpec } from '../convert/helpers/onnx-builder.js';

const root = new URL('../../', import.meta.url).pathname;
const bin = join(root, 'dist/tfdoctor.cjs');
const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-convert-refusal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One node per kind of refusal, each reading graph inputs (a blocker stops inference only downstream of it). */
const manyBlockers: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', shape: [1, 3, 'H', 4] }, { name: 'v', shape: [1, 4] }, { name: 'u', shape: [1, 2, 4, 4] }, { name: 'w', shape: [2, 2, 1, 1] }, { name: 's', shape: [2], elemType: DT.INT64 }],
  outputs: ['y', 'z', 'c', 'l', 'f', 'r', 'dr', 'sl', 'g'].map((name) => ({ name, shape: null })),
  nodes: [
    { op: 'Relu', inputs: ['x'], outputs: ['y'] },
    { op: 'Erf', name: 'my_erf', inputs: ['v'], outputs: ['z'] },
    { op: 'Conv', name: 'dynw', inputs: ['u', 'w'], outputs: ['c'] },
    { op: 'LRN', name: 'lrn', inputs: ['u'], outputs: ['l'], attrs: { size: { i: 3 } } },
    { op: 'FusedThing', name: 'fused', domain: 'com.example', inputs: ['u'], outputs: ['f'] },
    { op: 'Reshape', name: 'dyn_reshape', inputs: ['v', 's'], outputs: ['r'] },
    { op: 'Dropout', name: 'random', inputs: ['v', 'half', 'yes'], outputs: ['dr'] },
    { op: 'Squeeze', name: 'sq', inputs: ['v', 'ax'], outputs: ['sl'] },
    { op: 'Gather', name: 'gth', inputs: ['v', 'gi'], outputs: ['g'], attrs: { axis: { i: 1 } } },
  ],
  initializers: [{ name: 'half', dims: [], values: [0.5] }, { name: 'yes', dims: [], dataType: DT.BOOL, values: [1] }, int64s('ax', [1]), int64s('gi', [7])],
};

const HINT = '  hint: route that could take this model instead: onnx2tf (ONNX -> TFLite through TensorFlow) or litert-torch (PyTorch -> TFLite without ONNX); run `tfdoctor check` to see which works in your environment';

async function convert(spec: ModelSpec, name: string, ...flags: string[]) {
  const p = join(dir, `${name}.onnx`);
  writeFileSync(p, buildModel(spec));
  const r = await execa('node', [bin, 'convert', p, '-o', join(dir, `${name}.tflite`), '-q', ...flags], { reject: false, stdin: 'ignore', timeout: 120_000 });
  return { path: p, code: r.exitCode, out: r.stdout, err: r.stderr };
}

describe('convert: a refusal, worded by the one formatter', () => {
  it('prints the blockers as before: dynamic dim, custom domain, run-time operands, no lowering, Dropout, Squeeze, Gather, Erf', async () => {
    const r = await convert(manyBlockers, 'many');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toEqual([
      `tfdoctor: refusing to convert ${r.path}: 9 blockers (no .tflite written)`,
      "  - (input) (node 'x'): input 'x' dimension 2 is dynamic (H); TFLite needs static shapes (give its size: --dim H=N)",
      "  - com.example:FusedThing (node 'fused'): custom domain 'com.example' is not supported",
      "  - Conv v11 (node 'dynw'): weights (input 1) is not a constant; dynamic weights is not supported",
      "  - LRN v13 (node 'lrn'): no lowering for LRN version 13",
      "  - Reshape v13 (node 'dyn_reshape'): shape (input 1) is not a constant; dynamic shape is not supported",
      "  - Dropout v13 (node 'random'): training-mode Dropout with ratio 0.5 is random; only inference (or ratio 0) is supported",
      "  - Squeeze v13 (node 'sq'): cannot squeeze axis 1 of size 4",
      "  - Gather v13 (node 'gth'): index 7 out of range for a dimension of 4",
      "  - Erf v13 (node 'my_erf'): TFLite has no Erf operator; Erf is converted only inside exact GELU, x*0.5*(1+erf(x/sqrt(2))), and this one is not part of that pattern",
      HINT,
    ]);
  });

  it('an opset newer than the op table, as before', async () => {
    const r = await convert({ opset: 99, inputs: [{ name: 'x', shape: [1] }], outputs: [{ name: 'y', shape: null }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }, 'opset99');
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toEqual([
      `tfdoctor: refusing to convert ${r.path}: 1 blocker (no .tflite written)`,
      '  - (model) v99: ai.onnx opset 99 is newer than the newest this converter knows (25)',
      HINT,
    ]);
  });

  it('--json: each blocker with its code, its arguments and the same words', async () => {
    const r = await convert(manyBlockers, 'many-json', '--json');
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out) as { refused: boolean; blockers: { node?: string; op: string; version?: number; code: string; args: Record<string, unknown>; text: string }[] };
    expect(doc.refused).toBe(true);
    expect(doc.blockers.map((b) => [b.node, b.code, b.args])).toEqual([
      ['x', 'input-dim', { input: 'x', dim: 2, size: 'H', problem: 'dynamic' }],
      ['fused', 'custom-domain', { domain: 'com.example' }],
      ['dynw', 'const-input-required', { input: 'weights', index: 1 }],
      ['lrn', 'no-lowering', { op: 'LRN', version: 13 }],
      ['dyn_reshape', 'const-input-required', { input: 'shape', index: 1 }],
      ['random', 'dropout-random', { ratio: 0.5 }],
      ['sq', 'squeeze-size', { axis: 1, size: 4 }],
      ['gth', 'index-out-of-range', { index: 7, size: 4 }],
      ['my_erf', 'erf-outside-gelu', {}],
    ]);
    // the words in the JSON are the words on stderr
    const text = await convert(manyBlockers, 'many-text');
    for (const b of doc.blockers) expect(text.err).toContain(`): ${b.text}`);
  });
});

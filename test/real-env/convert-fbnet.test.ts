/**
 * FBNet-A/B end to end: the PyTorch models (built from shared structure files, random weights and BN
 * statistics) exported by torch 2.13.0 four ways, converted by tfdoctor's native converter, checked
 * against onnxruntime in two tiers (Node: LiteRT.js; Python: ai_edge_litert with XNNPACK, builtin and
 * reference kernels) and against PyTorch's own output, and counted against TensorFlow's converter
 * on the hand-built Keras twin (same weights), converted in the seed venv.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertFile } from '../../src/convert/index.js';
import { verifyConversion, runTflite, verifyTolerance } from '../../src/verify/index.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { decodeNpy } from '../../src/verify/npy.js';
import { permute4, NCHW_TO_NHWC } from '../../src/verify/tensors.js';
import { pythonVerify } from '../verify/python-tier.js';
// @ts-expect-error plain ESM script without types
import { ensureModels, ensureKerasTwins, EXPORT_VARIANTS, MODEL_NAMES } from '../../scripts/models.mjs';
// @ts-expect-error plain ESM script without types
import { ensureVenv } from '../../scripts/venvs.mjs';

type Models = { dir: string; facts: any; models: Record<string, { input: string; torchOutput: string; exports: Record<string, string> }> };
type Twins = { facts: { models: Record<string, { op_count: number; ops: Record<string, number> }> } };

/** The issue's figures for TensorFlow's converter on the Keras twin; the test also measures them. */
const ISSUE_OP_COUNTS: Record<string, number> = { fbnet_a: 84, fbnet_b: 81 };

let models: Models;
let twins: Twins;
let toolsPython: string;
const out = mkdtempSync(join(tmpdir(), 'tfdoctor-fbnet-'));
// this file's outputs (.tflite, .npy; up to ~300 MB a run) go when it ends: a long-lived machine's /tmp must not fill run after run
afterAll(() => rmSync(out, { recursive: true, force: true }));

beforeAll(() => {
  models = ensureModels();
  twins = ensureKerasTwins();
  toolsPython = ensureVenv('tools').python;
});

describe('the PyTorch models', () => {
  it('have exactly the modules and conv arguments the structure files print', () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'models', 'check_structure.py');
    const r = spawnSync(toolsPython, [script], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, { counts: Record<string, number> }>;
    expect(report['fbnet_a.txt']!.counts).toMatchObject({ Conv2d: 55, BatchNorm2d: 54, ChannelShuffle: 3, TorchAdd: 13 });
    expect(report['fbnet_b.txt']!.counts).toMatchObject({ Conv2d: 59, BatchNorm2d: 58, ChannelShuffle: 0, TorchAdd: 15 });
  });

  it('export faithfully: onnxruntime on every export matches PyTorch (facts.json, written at export time)', () => {
    for (const name of MODEL_NAMES as string[]) {
      const m = models.facts.models[name];
      for (const v of EXPORT_VARIANTS as string[]) {
        expect(m.exports[v].ort_vs_torch_max_abs, `${name}.${v}`).toBeLessThanOrEqual(verifyTolerance(m.max_abs_output));
      }
      // torch 2.13's default call: opset 20 with ReduceMean-18 and external data; legacy: opset 13, inline weights
      expect(m.exports.dynamo.opset_imports['ai.onnx']).toBeGreaterThanOrEqual(18);
      expect(m.exports.dynamo.ops['ReduceMean-18']).toBe(1);
      expect(m.exports.dynamo.external_data_files).toEqual([`${name}.dynamo.onnx.data`]);
      expect(m.exports.legacy13.opset_imports['ai.onnx']).toBe(13);
      expect(m.exports.legacy13.external_data_files).toEqual([]);
      // the *_noopt / *_nofold variants keep BatchNormalization so the converter's folding is exercised
      expect(Object.keys(m.exports.dynamo_noopt.ops).some((k) => k.startsWith('BatchNormalization'))).toBe(true);
      expect(Object.keys(m.exports.legacy13_nofold.ops).some((k) => k.startsWith('BatchNormalization'))).toBe(true);
    }
  });
});

describe('TensorFlow converter on the Keras twins', () => {
  it.each(MODEL_NAMES as string[])('%s: measured op count equals the issue figure', (name) => {
    expect(twins.facts.models[name]!.op_count).toBe(ISSUE_OP_COUNTS[name]);
  });
});

/** ChannelShuffle modules per model (the structure files; checked above) */
const SHUFFLES: Record<string, number> = { fbnet_a: 3, fbnet_b: 0 };

describe.each(MODEL_NAMES as string[])('%s with gatherShuffles (as onnx2tf writes channel shuffles)', (name) => {
  it('each Reshape-Transpose-Reshape shuffle becomes one GATHER, exact on both tiers', async () => {
    const onnx = models.models[name]!.exports.dynamo!;
    const tf = twins.facts.models[name]!;
    const r = await convertFile(onnx, { nhwc: true, gatherShuffles: true });
    const k = SHUFFLES[name]!;
    // FBNet-A: 84 - 2 x 3 = 78 ops (onnx2tf 2.6.9 writes 81 for it)
    expect(r.summary.opsOut).toBe(tf.op_count - 2 * k);
    expect(r.summary.shufflesGathered).toBe(k);
    const want: Record<string, number> = { ...tf.ops, RESHAPE: tf.ops.RESHAPE! - 2 * k, TRANSPOSE: (tf.ops.TRANSPOSE ?? 0) - k, GATHER: k };
    for (const op of Object.keys(want)) if (want[op] === 0) delete want[op];
    expect(r.summary.opCounts).toEqual(want);
    const tflite = join(out, `${name}.dynamo.gather.tflite`);
    writeFileSync(tflite, r.tflite);
    const node = await verifyConversion(onnx, tflite, { seed: 11, runs: 2, nhwc: true });
    expect(node.problems).toEqual([]);
    expect(node.pass).toBe(true);
    const py = pythonVerify(toolsPython, { onnx, tflite, inputs: [models.models[name]!.input], torchOutput: models.models[name]!.torchOutput });
    for (const [resolver, res] of Object.entries(py.resolvers)) {
      expect(res.error, resolver).toBeUndefined();
      expect(res.maxAbs!, resolver).toBeLessThanOrEqual(py.tolerance);
    }
    expect(py.pass).toBe(true);
  });
});

const cases = (MODEL_NAMES as string[]).flatMap((m) => (EXPORT_VARIANTS as string[]).map((v) => [m, v] as const));

describe.each(cases)('%s.%s', (name, variant) => {
  it('converts, verifies on both tiers, matches PyTorch; TensorFlow\'s op count less 3 per channel shuffle', async () => {
    const onnx = models.models[name]!.exports[variant]!;
    const torchOut = decodeNpy(new Uint8Array(readFileSync(models.models[name]!.torchOutput)));
    const input = decodeNpy(new Uint8Array(readFileSync(models.models[name]!.input)));
    const tf = twins.facts.models[name]!;

    // --nhwc: the Keras twin takes NHWC input, so this is the like-for-like op count; TensorFlow keeps each
    // channel shuffle as RESHAPE-TRANSPOSE-RESHAPE, tfdoctor folds it into the convs after it (3 ops fewer each)
    const k = SHUFFLES[name]!;
    const nhwc = await convertFile(onnx, { nhwc: true });
    expect(nhwc.summary.shufflesAbsorbed).toBe(k);
    expect(nhwc.summary.opsOut).toBe(tf.op_count - 3 * k);
    const want: Record<string, number> = { ...tf.ops, RESHAPE: tf.ops.RESHAPE! - 2 * k, TRANSPOSE: (tf.ops.TRANSPOSE ?? 0) - k };
    for (const op of Object.keys(want)) if (want[op] === 0) delete want[op];
    expect(nhwc.summary.opCounts).toEqual(want);
    // every distinct constant once, as TensorFlow writes them: LiteRT checks each tensor a node reads at every
    // invoke, so a tensor more than TF's file is work more per invoke (bench/instructions.mjs counts it)
    const tfTensors = readTflite(new Uint8Array(readFileSync(twins.tflite[name]!))).tensors.length;
    expect(nhwc.summary.tensors).toBeLessThanOrEqual(tfTensors);
    // default (ONNX's NCHW signature kept): one TRANSPOSE more, at the input edge
    const nchw = await convertFile(onnx);
    expect(nchw.summary.opsOut).toBe(tf.op_count - 3 * k + 1);

    for (const [layout, result] of [['nchw', nchw], ['nhwc', nhwc]] as const) {
      const tflite = join(out, `${name}.${variant}.${layout}.tflite`);
      writeFileSync(tflite, result.tflite);

      // Node tier: seeded random inputs, LiteRT.js vs onnxruntime-node
      const node = await verifyConversion(onnx, tflite, { seed: 11, runs: 2 });
      expect(node.problems).toEqual([]);
      expect(node.maxAbs).toBeLessThanOrEqual(node.tolerance);
      expect(node.pass).toBe(true);

      // Python tier: ai_edge_litert (XNNPACK, builtin, reference kernels) vs onnxruntime, on PyTorch's input
      const py = pythonVerify(toolsPython, { onnx, tflite, inputs: [models.models[name]!.input], torchOutput: models.models[name]!.torchOutput });
      for (const [resolver, r] of Object.entries(py.resolvers)) {
        expect(r.error, `${resolver}`).toBeUndefined();
        expect(r.maxAbs!, `${resolver}`).toBeLessThanOrEqual(py.tolerance);
        expect(r.vsTorchMaxAbs!, `${resolver} vs torch`).toBeLessThanOrEqual(verifyTolerance(Math.max(...Array.from(torchOut.data as Float32Array, Math.abs))));
      }
      expect(py.pass).toBe(true);

      // LiteRT.js on PyTorch's own input vs PyTorch's output
      const x = input.data as Float32Array;
      const feed = layout === 'nhwc' ? permute4(x, input.dims, NCHW_TO_NHWC) : { data: x, dims: input.dims };
      const run = await runTflite(result.tflite, [feed as { data: Float32Array; dims: number[] }]);
      expect(run.errors).toEqual([]);
      const y = run.outputs[0]!.data as Float32Array;
      const ref = torchOut.data as Float32Array;
      let maxAbs = 0;
      let maxRef = 0;
      for (let i = 0; i < ref.length; i++) { maxAbs = Math.max(maxAbs, Math.abs(y[i]! - ref[i]!)); maxRef = Math.max(maxRef, Math.abs(ref[i]!)); }
      expect(y.length).toBe(ref.length);
      expect(maxAbs).toBeLessThanOrEqual(verifyTolerance(maxRef));
      console.log(`${name}.${variant}.${layout}: ops ${result.summary.opsOut} (TF ${tf.op_count}), node maxAbs ${node.maxAbs.toExponential(2)} `
        + `(tol ${node.tolerance.toFixed(3)}), python ${Object.entries(py.resolvers).map(([k, r]) => `${k} ${r.maxAbs?.toExponential(2)}`).join(' ')}, `
        + `LiteRT.js vs torch ${maxAbs.toExponential(2)}`);
    }
  });
});

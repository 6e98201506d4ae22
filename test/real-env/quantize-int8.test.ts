/**
 * `--quantize int8` end to end on FBNet-A (torch 2.13's default export, random weights with BatchNorm
 * statistics): 200 seeded normal calibration inputs, then 100 other inputs through the int8 .tflite on
 * both verification tiers (Node: LiteRT.js; Python: ai_edge_litert with XNNPACK, builtin and reference
 * kernels) against the float ONNX model in onnxruntime: top-1 agreement and SQNR. Measured (2026-12-01,
 * with bias correction and unclipped logits): SQNR 29.9-30.0 dB on every runtime and kernel set,
 * agreement 0.86 (XNNPACK, builtin, LiteRT.js) to 0.87 (reference kernels; before: 28.9 dB, 0.75-0.81);
 * the bounds below (20 dB, 0.6) leave room for runtime versions, not for a broken quantizer (DEQUANTIZE
 * of wrong params or a missing bias gives SQNR near 0 dB and chance agreement).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertFile, type Calibrated, type ConvertSummary } from '../../src/convert/index.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { openTflite } from '../../src/verify/litert.js';
import { encodeNpyFloat32 } from '../../src/verify/npy.js';
import { runOnnx } from '../../src/verify/onnxrt.js';
import { seededInputs } from '../../src/verify/prng.js';
// @ts-expect-error plain ESM script without types
import { ensureModels } from '../../scripts/models.mjs';
// @ts-expect-error plain ESM script without types
import { ensureVenv } from '../../scripts/venvs.mjs';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'models', 'run_quantized.py');
const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-int8-'));
// this file's outputs (.tflite, .npy; up to ~300 MB a run) go when it ends: a long-lived machine's /tmp must not fill run after run
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SHAPE = [1, 3, 224, 224];
const CALIBRATION = 200;
const HELD_OUT = 100;

/** N samples (seeds seed0 .. seed0+N-1) as one [N,3,224,224] .npy, and the samples themselves */
function samples(seed0: number, n: number, name: string): { path: string; xs: Float32Array[] } {
  const xs = Array.from({ length: n }, (_, k) => seededInputs([SHAPE], seed0 + k)[0]!);
  const all = new Float32Array(n * xs[0]!.length);
  xs.forEach((x, k) => all.set(x, k * x.length));
  const path = join(dir, name);
  writeFileSync(path, encodeNpyFloat32(all, [n, ...SHAPE.slice(1)]));
  return { path, xs };
}

const argmax = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i; return b; };

interface Quality { agreement: number; sqnrDb: number }
function quality(refs: ArrayLike<number>[], outs: ArrayLike<number>[]): Quality {
  let agree = 0; let signal = 0; let noise = 0;
  refs.forEach((r, k) => {
    const o = outs[k]!;
    if (argmax(r) === argmax(o)) agree++;
    for (let i = 0; i < r.length; i++) { signal += r[i]! ** 2; noise += (r[i]! - o[i]!) ** 2; }
  });
  return { agreement: agree / refs.length, sqnrDb: 10 * Math.log10(signal / noise) };
}

let onnx: string;
let python: string;
let heldOut: { path: string; xs: Float32Array[] };
let refs: Float32Array[];
const built: Record<'float' | 'int8', { path: string; summary: ConvertSummary }> = {} as never;

beforeAll(async () => {
  onnx = (ensureModels() as { models: Record<string, { exports: Record<string, string> }> }).models.fbnet_a!.exports.dynamo!;
  python = ensureVenv('tools').python;
  const calibration = samples(10_000, CALIBRATION, 'calibration.npy');
  heldOut = samples(0, HELD_OUT, 'held-out.npy');
  refs = [];
  for (const x of heldOut.xs) refs.push((await runOnnx(onnx, { x: { dims: SHAPE, data: x } })).outputs[0]!.data as Float32Array);
  // one calibration (200 LiteRT runs of the float model) serves both files: same graph, same samples
  let reuse: Calibrated | undefined;
  for (const io of ['float', 'int8'] as const) {
    const { tflite, summary, calibration: measured } = await convertFile(onnx, { quantize: { mode: 'int8', calibration: calibration.path, io, ...(reuse ? { reuse } : {}) } });
    reuse ??= measured;
    const path = join(dir, `fbnet_a.int8-io-${io}.tflite`);
    writeFileSync(path, tflite);
    built[io] = { path, summary };
  }
}, 3_600_000);

describe('--quantize int8, FBNet-A, 200 calibration inputs', () => {
  it('runs every operator in int8: per-channel conv weights, int32 biases, int8 activations', () => {
    const report = built.float.summary.quantization!;
    expect(report.ops.filter((o) => o.status === 'float')).toEqual([]);
    const model = readTflite(new Uint8Array(readFileSync(built.float.path)));
    const convs = model.operators.filter((o) => o.op === 'CONV_2D' || o.op === 'DEPTHWISE_CONV_2D');
    expect(convs.length).toBe(55);
    for (const c of convs) {
      const [x, w, b] = c.inputs.map((i) => model.tensors[i]!);
      expect([x!.type, w!.type, b!.type]).toEqual(['INT8', 'INT8', 'INT32']);
      expect(w!.quantization!.scale.length).toBe(c.op === 'CONV_2D' ? w!.shape[0] : w!.shape[3]);
    }
    expect(built.float.summary.opCounts).toMatchObject({ QUANTIZE: 1, DEQUANTIZE: 1 });
    expect(built.float.summary.bytes).toBeLessThan(0.3 * 17_172_624); // the float .tflite's size
  });

  it('Node tier (LiteRT.js) agrees with the float model on 100 other inputs', async () => {
    const session = await openTflite(new Uint8Array(readFileSync(built.float.path)));
    const outs: Float32Array[] = [];
    try {
      for (const x of heldOut.xs) {
        const run = await session.run([{ dims: SHAPE, data: x }]);
        expect(run.errors).toEqual([]);
        outs.push(run.outputs[0]!.data as Float32Array);
      }
    } finally {
      session.close();
    }
    const q = quality(refs, outs);
    console.log(`[int8] FBNet-A LiteRT.js: top-1 agreement ${q.agreement}, SQNR ${q.sqnrDb.toFixed(2)} dB`);
    expect(q.sqnrDb).toBeGreaterThan(20);
    expect(q.agreement).toBeGreaterThanOrEqual(0.6);
  });

  it('Python tier (ai_edge_litert: XNNPACK, builtin, reference kernels) agrees too, with float and int8 I/O', () => {
    const run = (tflite: string, resolvers: string) => JSON.parse(execFileSync(python, [script, '--onnx', onnx, '--tflite', tflite, '--samples', heldOut.path, '--resolvers', resolvers],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 << 20, timeout: 1_800_000 }).trim().split('\n').at(-1)!);
    for (const io of ['float', 'int8'] as const) {
      // reference kernels are slow: they run the float-I/O file; the int8-I/O file runs on XNNPACK
      const r = run(built[io].path, io === 'float' ? 'auto,builtin,ref' : 'auto');
      for (const [resolver, q] of Object.entries(r.resolvers as Record<string, { agreement: number; sqnr_db: number }>)) {
        console.log(`[int8] FBNet-A io ${io}, ai_edge_litert ${resolver}: top-1 agreement ${q.agreement}, SQNR ${q.sqnr_db.toFixed(2)} dB`);
        expect(q.sqnr_db, `${io} ${resolver}`).toBeGreaterThan(20);
        expect(q.agreement, `${io} ${resolver}`).toBeGreaterThanOrEqual(0.6);
      }
      const report = built[io].summary.quantization!;
      if (io === 'int8') {
        // the interpreter reads the params the report states
        expect(r.input.dtype).toBe('int8');
        expect(r.output.dtype).toBe('int8');
        expect(report.notes.some((n) => n.code === 'int8-io' && n.kind === 'input' && n.name === 'x' && (n.scale === Math.fround(r.input.scale) || n.scale === r.input.scale))).toBe(true);
      } else {
        expect([r.input.dtype, r.output.dtype]).toEqual(['float32', 'float32']);
      }
    }
  });
});

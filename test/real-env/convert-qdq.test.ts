/**
 * Issue 9 item 2: QDQ models written by onnxruntime's static quantizer (quantize_static, QDQ format,
 * MinMax calibration; scripts/models/qdq_models.py via ensureQdqModels) convert to int8 .tflite files
 * that compute what onnxruntime computes, on held-out inputs calibration never saw, on both tiers:
 * Node (LiteRT.js vs onnxruntime-node, run here) and Python (ai_edge_litert with XNNPACK, through
 * scripts/models/tflite_eval.py, vs onnxruntime 1.32's outputs saved by the generator).
 *
 * Tolerance: one quantization step of the output (its last DequantizeLinear's scale) on every element.
 * Both sides are on the output's int8 grid, so an error is a whole number of steps; we count
 * round(|ours - onnxruntime| / scale).
 *
 * Which onnxruntime: the QDQ model as written (graph optimisations disabled: QuantizeLinear,
 * DequantizeLinear and float ops) is the yardstick for every variant. onnxruntime's default session
 * fuses them into its integer kernels (QLinearConv, ...), whose x86 u8s8 path without AVX-VNNI (this
 * machine: AVX-512 without VNNI) saturates 16-bit pair sums on weights using the full int8 range: there
 * the fused run differs from the model's own arithmetic by up to 31 steps on the digits CNN (onnxruntime
 * recommends reduce_range on such machines). On the reduce_range variant (`qdq_rr`, 7-bit weights) the
 * integer kernels do not saturate, and our .tflite is held to them too.
 *
 * Measured (2026-12-01), digits CNN on its 360 test images: max 1 step against the QDQ model as written
 * (qdq, qdq_tensor, qdq_u8; 1 to 3 elements of 3600 off by one step, the rest equal); 0 steps against
 * both onnxruntime paths on qdq_rr.
 * FBNet-A (the quantization yardstick: a random backbone with re-estimated BatchNorm statistics and a
 * ridge-fitted head over structured inputs; 32 calibration, 20 held-out inputs): one-step differences inside
 * the network grow layer after layer, and onnxruntime's two paths differ from EACH OTHER by up to 33 steps on
 * qdq_rr. Measured with this yardstick: ours against onnxruntime's integer kernels, 14 of 20 outputs
 * bit-identical, 367 of 20000 elements off, max 17 steps (with the earlier, head-less yardstick: 19 of 20,
 * max 2, traced to one ADD element rounding apart at a near-tie: TFLite's fixed-point ADD vs onnxruntime's
 * float requantization). So the issue's one-step bar holds on the digits CNN, not on every FBNet-A output;
 * the test holds FBNet-A to: a majority of outputs bit-identical, at most 5 % of elements off, and no
 * element further from onnxruntime's integer kernels than onnxruntime's own two executions are apart.
 * With the float graph's passes on QDQ models (channel shuffles folded into the convs, their per-channel
 * params moved with the filters; RESHAPE chains collapsed; 2026-12-01): FBNet-A's int8 graph is the float
 * graph's 76 operators plus QUANTIZE and DEQUANTIZE (87 before), with the same numbers on both tiers:
 * 14 of 20 outputs identical, 367 of 20000 elements off, max 17 steps.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversionRefused, convertFile, type ConvertSummary } from '../../src/convert/index.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { openTflite } from '../../src/verify/litert.js';
import { refusalText } from '../../src/report/refusal.js';
import { decodeNpy } from '../../src/verify/npy.js';
import { openOnnx, type OrtOptimization } from '../../src/verify/onnxrt.js';
import { verifyQdq } from '../../src/verify/qdq.js';
// @ts-expect-error plain ESM script without types
import { ensureQdqModels, ensureQuantYardsticks } from '../../scripts/models.mjs';

interface Variant { onnx: string; ortAll: string; ortNone: string }
interface QdqModels {
  models: Record<string, { heldout: string; variants: Record<string, Variant>; refusals: Record<string, string> }>;
  tools: { python: string };
}

const evalScript = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'models', 'tflite_eval.py');
const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-qdq-'));
// this file's outputs (.tflite, .npy; up to ~300 MB a run) go when it ends: a long-lived machine's /tmp must not fill run after run
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let q: QdqModels;

function npy(path: string): { data: Float32Array; shape: number[] } {
  const a = decodeNpy(new Uint8Array(readFileSync(path)));
  return { data: Float32Array.from(a.data as ArrayLike<number>), shape: a.dims };
}

/** samples of an [N, ...] array, one [1, ...] each */
function split(a: { data: Float32Array; shape: number[] }): { dims: number[]; data: Float32Array }[] {
  const per = a.data.length / a.shape[0]!;
  return Array.from({ length: a.shape[0]! }, (_, k) => ({ dims: [1, ...a.shape.slice(1)], data: a.data.subarray(k * per, (k + 1) * per) }));
}

interface StepError { maxSteps: number; offByOne: number; total: number }
/** round(|a - b| / step) over every element: the worst and how many elements are not equal */
function steps(a: ArrayLike<number>, b: ArrayLike<number>, step: number): StepError {
  expect(a.length).toBe(b.length);
  let maxSteps = 0;
  let offByOne = 0;
  for (let i = 0; i < a.length; i++) {
    const s = Math.round(Math.abs(a[i]! - b[i]!) / step);
    if (s > maxSteps) maxSteps = s;
    if (s > 0) offByOne++;
  }
  return { maxSteps, offByOne, total: a.length };
}

const converted = new Map<string, { tflite: string; summary: ConvertSummary }>();
async function convert(model: string, variant: string, io: 'float' | 'int8' = 'float') {
  const key = `${model}.${variant}${io === 'int8' ? '.io-int8' : ''}`;
  if (!converted.has(key)) {
    const { tflite, summary } = await convertFile(q.models[model]!.variants[variant]!.onnx, io === 'int8' ? { io } : {});
    const path = join(dir, `${key}.tflite`);
    writeFileSync(path, tflite);
    converted.set(key, { tflite: path, summary });
  }
  return converted.get(key)!;
}

/** our .tflite in LiteRT.js on every held-out sample, concatenated */
async function runOurs(tflite: string, heldout: string): Promise<Float32Array> {
  const session = await openTflite(new Uint8Array(readFileSync(tflite)));
  const outs: number[] = [];
  try {
    for (const x of split(npy(heldout))) {
      const r = await session.run([x]);
      expect(r.errors).toEqual([]);
      outs.push(...(r.outputs[0]!.data as Float32Array));
    }
  } finally {
    session.close();
  }
  return Float32Array.from(outs);
}

/** onnxruntime-node on the QDQ model, every held-out sample */
async function runOrt(onnx: string, heldout: string, optimization: OrtOptimization): Promise<Float32Array> {
  const session = await openOnnx(onnx, { optimization });
  const outs: number[] = [];
  try {
    for (const x of split(npy(heldout))) {
      const r = await session.run((specs) => ({ [specs[0]!.name]: x }));
      outs.push(...(r.outputs[0]!.data as Float32Array));
    }
  } finally {
    await session.close();
  }
  return Float32Array.from(outs);
}

/** our .tflite in ai_edge_litert (XNNPACK) on every held-out sample */
function runOursPython(tflite: string, heldout: string, name: string): Float32Array {
  execFileSync(q.tools.python, [evalScript, '--inputs', heldout, '--threads', '1', '--save-dir', dir, `${name}=${tflite}`], { stdio: 'pipe', timeout: 300_000 });
  return npy(join(dir, `${name}.logits.npy`)).data;
}

beforeAll(() => {
  q = ensureQdqModels({ fbnet: true }) as QdqModels;
}, 40 * 60_000);

describe('QDQ ONNX from onnxruntime.quantization.quantize_static -> int8 .tflite', () => {
  for (const variant of ['qdq', 'qdq_tensor', 'qdq_u8', 'qdq_rr']) {
    it(`digits CNN ${variant}: every operator int8 with the model's own params; within one step of onnxruntime on 360 held-out images, both tiers`, async () => {
      const m = q.models.digits!;
      const v = m.variants[variant]!;
      const { tflite, summary } = await convert('digits', variant);
      expect(summary.readAs).toBe('qdq');
      const qops = summary.quantization!.ops;
      expect(qops.filter((o) => o.status === 'float')).toEqual([]);
      expect(summary.opCounts).toMatchObject({ CONV_2D: 3, FULLY_CONNECTED: 2, QUANTIZE: 1, DEQUANTIZE: 1 });
      const step = summary.qdqOutputs![0]!.scale;
      const ours = await runOurs(tflite, m.heldout);
      const oursPy = runOursPython(tflite, m.heldout, `digits.${variant}`);
      const asWritten = npy(v.ortNone).data;
      const node = steps(ours, await runOrt(v.onnx, m.heldout, 'disabled'), step);
      const python = steps(oursPy, asWritten, step);
      console.log(`digits ${variant}: Node tier max ${node.maxSteps} step(s), ${node.offByOne}/${node.total} elements off; Python tier max ${python.maxSteps}, ${python.offByOne}/${python.total} off`);
      expect(node.maxSteps).toBeLessThanOrEqual(1);
      expect(python.maxSteps).toBeLessThanOrEqual(1);
      // a one-step difference is a rounding at a tie, not a habit: under 1 % of elements
      expect(node.offByOne / node.total).toBeLessThan(0.01);
      expect(python.offByOne / python.total).toBeLessThan(0.01);
      if (variant === 'qdq_rr') {
        // no saturation with 7-bit weights: onnxruntime's integer kernels are the model's arithmetic too
        const fused = steps(oursPy, npy(v.ortAll).data, step);
        const fusedNode = steps(ours, await runOrt(v.onnx, m.heldout, 'all'), step);
        expect(fused.maxSteps).toBeLessThanOrEqual(1);
        expect(fusedNode.maxSteps).toBeLessThanOrEqual(1);
      }
    }, 300_000);
  }

  it('FBNet-A qdq_rr: against onnxruntime\'s integer kernels on 20 held-out inputs, most outputs bit-identical, the rest no further than onnxruntime\'s own two paths (see the header)', async () => {
    const m = q.models.fbnet_a!;
    const v = m.variants.qdq_rr!;
    const { tflite, summary } = await convert('fbnet_a', 'qdq_rr');
    expect(summary.quantization!.ops.filter((o) => o.status === 'float')).toEqual([]);
    // the float graph's passes ran: its 3 channel shuffles folded into the convs after them, so the int8
    // graph is the float model's operator for operator, plus QUANTIZE after the input and DEQUANTIZE before the output
    expect(summary.shufflesAbsorbed).toBe(3);
    const floatSource = (ensureQuantYardsticks({ fbnet: true }) as { fbnet: { models: Record<string, { onnx: string }> } }).fbnet.models.fbnet_a!.onnx;
    const float = (await convertFile(floatSource)).summary;
    expect(summary.opCounts).toEqual({ ...float.opCounts, QUANTIZE: 1, DEQUANTIZE: 1 });
    expect(summary.opsOut).toBe(float.opsOut + 2);
    const step = summary.qdqOutputs![0]!.scale;
    const ours = runOursPython(tflite, m.heldout, 'fbnet_a.qdq_rr');
    const ref = npy(v.ortAll).data;
    const python = steps(ours, ref, step);
    const per = ref.length / 20;
    const identical = Array.from({ length: 20 }, (_, k) => steps(ours.subarray(k * per, (k + 1) * per), ref.subarray(k * per, (k + 1) * per), step).maxSteps === 0).filter(Boolean).length;
    const onnxruntimeSelf = steps(ref, npy(v.ortNone).data, step);
    console.log(`FBNet-A qdq_rr vs onnxruntime integer kernels (Python tier): ${identical}/20 outputs identical; max ${python.maxSteps} steps, ${python.offByOne}/${python.total} elements off; onnxruntime's own two paths differ by up to ${onnxruntimeSelf.maxSteps}`);
    expect(identical).toBeGreaterThanOrEqual(11);
    expect(python.offByOne).toBeLessThanOrEqual(0.05 * python.total);
    expect(python.maxSteps).toBeLessThanOrEqual(onnxruntimeSelf.maxSteps);
    // Node tier: LiteRT.js against onnxruntime-node's integer kernels
    const oursNode = await runOurs(tflite, m.heldout);
    const refNode = await runOrt(v.onnx, m.heldout, 'all');
    const node = steps(oursNode, refNode, step);
    const identicalNode = Array.from({ length: 20 }, (_, k) => steps(oursNode.subarray(k * per, (k + 1) * per), refNode.subarray(k * per, (k + 1) * per), step).maxSteps === 0).filter(Boolean).length;
    console.log(`FBNet-A qdq_rr vs onnxruntime integer kernels (Node tier): ${identicalNode}/20 outputs identical; max ${node.maxSteps} steps, ${node.offByOne}/${node.total} elements off`);
    expect(identicalNode).toBeGreaterThanOrEqual(11);
    expect(node.offByOne).toBeLessThanOrEqual(0.05 * node.total);
    expect(node.maxSteps).toBeLessThanOrEqual(onnxruntimeSelf.maxSteps);
  }, 600_000);

  it('--io int8: the model\'s boundary QuantizeLinear / DequantizeLinear params on int8 I/O tensors; the Python tier (int8 fed and read with them) within one step of onnxruntime, as the float-I/O file', async () => {
    // LiteRT.js feeds float32/int32/uint8 only: as for --quantize int8 --io int8, the int8-I/O files run on
    // the Python tier (tflite_eval.py quantizes each input with the tensor's scale and zero point, round half
    // to even as QuantizeLinear does, and dequantizes the output); the Node tier runs the float-I/O files above
    const cases = [['digits', 'qdq'], ['digits', 'qdq_rr'], ['fbnet_a', 'qdq_rr']] as const;
    for (const [model, variant] of cases) {
      const m = q.models[model]!;
      const v = m.variants[variant]!;
      const [f, i] = [await convert(model, variant), await convert(model, variant, 'int8')];
      const file = readTflite(new Uint8Array(readFileSync(i.tflite)));
      const floatFile = readTflite(new Uint8Array(readFileSync(f.tflite)));
      const [inT, outT] = [file.tensors[file.inputs[0]!]!, file.tensors[file.outputs[0]!]!];
      expect([inT.type, outT.type]).toEqual(['INT8', 'INT8']);
      // the output's params are the last DequantizeLinear's (qdqOutputs); the input's those of the QuantizeLinear on it
      expect(outT.quantization).toMatchObject({ scale: [i.summary.qdqOutputs![0]!.scale], zeroPoint: [i.summary.qdqOutputs![0]!.zeroPoint] });
      const firstQuantize = floatFile.operators.find((o) => o.op === 'QUANTIZE' && o.inputs[0] === floatFile.inputs[0])!;
      expect(inT.quantization).toMatchObject({ scale: floatFile.tensors[firstQuantize.outputs[0]!]!.quantization!.scale, zeroPoint: floatFile.tensors[firstQuantize.outputs[0]!]!.quantization!.zeroPoint });
      // the same graph without the boundary QUANTIZE / DEQUANTIZE
      expect(i.summary.opsOut).toBe(f.summary.opsOut - 2);
      const step = i.summary.qdqOutputs![0]!.scale;
      const oursInt8 = runOursPython(i.tflite, m.heldout, `${model}.${variant}.io-int8`);
      const oursFloat = runOursPython(f.tflite, m.heldout, `${model}.${variant}.io-float`);
      const ref = npy(model === 'digits' ? v.ortNone : v.ortAll).data;
      const int8 = steps(oursInt8, ref, step);
      const float = steps(oursFloat, ref, step);
      const apart = steps(oursInt8, oursFloat, step);
      console.log(`${model} ${variant} --io int8 (Python tier) vs onnxruntime ${model === 'digits' ? 'as written' : 'integer kernels'}: max ${int8.maxSteps} step(s), ${int8.offByOne}/${int8.total} elements off (float I/O: max ${float.maxSteps}, ${float.offByOne} off; the two files apart: max ${apart.maxSteps}, ${apart.offByOne} off)`);
      if (model === 'digits') {
        expect(int8.maxSteps).toBeLessThanOrEqual(1);
        expect(int8.offByOne / int8.total).toBeLessThan(0.01);
      } else {
        // FBNet-A: held to the float-I/O file's own bounds (see the header)
        expect(int8.offByOne).toBeLessThanOrEqual(0.05 * int8.total);
        expect(int8.maxSteps).toBeLessThanOrEqual(steps(ref, npy(v.ortNone).data, step).maxSteps);
      }
    }
  }, 600_000);

  it('convert --verify semantics (verifyQdq): the digits CNN passes, within one step of onnxruntime running the QDQ model as written', async () => {
    const { tflite, summary } = await convert('digits', 'qdq');
    const r = await verifyQdq(q.models.digits!.variants.qdq!.onnx, tflite, { steps: { [summary.qdqOutputs![0]!.name]: summary.qdqOutputs![0]!.scale }, runs: 10 });
    expect(r.pass).toBe(true);
    const asWritten = r.references.find((x) => x.reference === 'as written')!;
    expect(asWritten.problems).toEqual([]);
    expect(Math.round(asWritten.outputs[0]!.maxSteps!)).toBeLessThanOrEqual(1);
    expect(asWritten.describe).toMatch(/optimisations disabled/);
  }, 120_000);

  it('refuses what TFLite int8 cannot express, each with its reason: asymmetric uint8 weights, the QOperator format', async () => {
    const refusals = q.models.digits!.refusals;
    const reasons = async (p: string) => {
      try {
        await convertFile(p);
      } catch (e) {
        expect(e).toBeInstanceOf(ConversionRefused);
        return (e as ConversionRefused).blockers;
      }
      throw new Error(`expected ${p} to be refused`);
    };
    const u8w = await reasons(refusals.qdq_u8w!);
    // one per Conv/Gemm whose weight zero point is not 128 (3 Conv + 2 Gemm in all; a zero point of 128 maps exactly)
    expect(u8w.length).toBeGreaterThanOrEqual(1);
    for (const b of u8w) expect(b).toMatchObject({ code: 'qdq-asymmetric-weights', args: { dtype: 2 /* UINT8 */ } });
    expect(refusalText(u8w[0]!)).toMatch(/uint8 with zero point \d+: TFLite's int8 kernels need symmetric weights/);
    const qop = await reasons(refusals.qoperator!);
    expect(qop.filter((b) => b.code === 'qoperator').length).toBeGreaterThanOrEqual(3);
  }, 120_000);
});

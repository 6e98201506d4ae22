/**
 * `--quantize int8` on a representative subset of the torchvision zoo the float converter takes (the
 * files convert-zoo builds: seeded random weights, BatchNorm statistics re-estimated on standard-normal
 * batches so activations have a sane scale): 200 seeded standard-normal calibration inputs, 100 other
 * inputs through the int8 .tflite in LiteRT.js against the float ONNX model in onnxruntime (a big model's
 * case may give smaller counts of its own, for CI time).
 * Each case in int8-zoo-expected.json either must reach top-1 agreement 0.95, or carries its measured
 * reason and bounds. A "noise floor" reason is re-measured here: the float model itself, on the held-out
 * inputs rounded to the int8 model's input grid (the error no int8 model escapes), must already fall
 * under 0.95, else the reason does not hold. Every operator must run in int8 unless the case lists its
 * op in floatOps with the reason codes the report gives it. A case with keepFloatAuto is converted again with
 * --keep-float auto and held to what that selection measured. The whole zoo: scripts/int8-zoo.mjs
 * (bench/results/int8-zoo.md).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertFile, type OpQuantization } from '../../src/convert/index.js';
import { readTflite } from '../../src/convert/tflite/read.js';
import { openTflite } from '../../src/verify/litert.js';
import { encodeNpyFloat32 } from '../../src/verify/npy.js';
import { openOnnx } from '../../src/verify/onnxrt.js';
import { seededInputs } from '../../src/verify/prng.js';
import { keepFloatText } from '../../src/report/quantization.js';
// @ts-expect-error plain ESM script without types
import { ensureZoo } from '../../scripts/models.mjs';

interface Case {
  /** a big model's own sample counts (CI time), instead of the file's */
  calibration?: number;
  heldOut?: number;
  minAgreement: number;
  minSqnrDb: number;
  /** why the bound is under 0.95: 'noise floor' (re-measured here) or a measured account */
  reason?: string;
  noiseFloor?: boolean;
  /** op -> the reasons (codes, src/convert/quantize/decisions.ts) its float operators are kept float for */
  floatOps?: Record<string, string[]>;
  /**
   * also convert with --keep-float auto at this target: `reached` is what the selection measured on its
   * check samples (calibration samples set aside); when reached, the chosen model must agree on the
   * held-out inputs at least as well as the all-int8 one; when not, it must keep nothing more float
   */
  keepFloatAuto?: { target: number; reached: boolean; measured: string };
}
const expected = JSON.parse(readFileSync(resolve(dirname(fileURLToPath(import.meta.url)), 'int8-zoo-expected.json'), 'utf8')) as {
  calibration: number; heldOut: number; test: string[]; cases: Record<string, Case>;
};
const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-int8-zoo-'));
// this file's outputs (.tflite, .npy; up to ~300 MB a run) go when it ends: a long-lived machine's /tmp must not fill run after run
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** each float operator's op -> the distinct codes of why, sorted */
function floatReasons(ops: readonly OpQuantization[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const o of ops) if (o.status === 'float' && !(out[o.op] ??= []).includes(o.why.code)) out[o.op]!.push(o.why.code);
  for (const codes of Object.values(out)) codes.sort();
  return out;
}
const argmax = (a: ArrayLike<number>) => { let b = 0; for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i; return b; };

let zooDir: string;
let inputShapes: Map<string, number[]>;
beforeAll(() => {
  const zoo = ensureZoo() as { dir: string; models: { arch: string; inputShape: number[] }[] };
  zooDir = zoo.dir;
  inputShapes = new Map(zoo.models.map((m) => [m.arch, m.inputShape]));
}, 3_600_000);

function samples(dims: number[], seed0: number, n: number, name: string): { path: string; xs: Float32Array[] } {
  const xs = Array.from({ length: n }, (_, k) => seededInputs([dims], seed0 + k)[0]!);
  const all = new Float32Array(n * xs[0]!.length);
  xs.forEach((x, k) => all.set(x, k * x.length));
  const path = join(dir, name);
  writeFileSync(path, encodeNpyFloat32(all, [n, ...dims.slice(1)]));
  return { path, xs };
}

describe.each(expected.test)('int8 %s', (id) => {
  const c = expected.cases[id]!;
  it(`agreement >= ${c.minAgreement}${c.reason ? ` (${c.noiseFloor ? 'noise floor' : 'measured reason'})` : ''}, every operator int8 or kept float with its reason`, async () => {
    expect(c.minAgreement >= 0.95 || !!c.reason, `${id}: a bound under 0.95 needs its reason`).toBe(true);
    const onnx = join(zooDir, `${id}.onnx`);
    const dims = inputShapes.get(id.split('.')[0]!)!;
    const cal = samples(dims, 10_000, c.calibration ?? expected.calibration, `${id}.cal.npy`);
    const held = samples(dims, 0, c.heldOut ?? expected.heldOut, `${id}.held.npy`);
    const { tflite, summary } = await convertFile(onnx, { quantize: { mode: 'int8', calibration: cal.path } });
    expect(floatReasons(summary.quantization!.ops)).toEqual(c.floatOps ?? {});

    const model = readTflite(tflite);
    const q = model.operators.find((op) => op.op === 'QUANTIZE' && op.inputs[0] === model.inputs[0])!;
    const { scale: [scale], zeroPoint: [zp] } = model.tensors[q.outputs[0]!]!.quantization!;
    const session = await openTflite(tflite);
    const ort = await openOnnx(onnx);
    const inputName = summary.inputs[0]!.name;
    let agree = 0; let floorAgree = 0; let signal = 0; let noise = 0;
    try {
      for (const x of held.xs) {
        const ref = (await ort.run({ [inputName]: { dims, data: x } })).outputs[0]!.data as Float32Array;
        const run = await session.run([{ dims, data: x }]);
        expect(run.errors).toEqual([]);
        const out = run.outputs[0]!.data as Float32Array;
        if (argmax(ref) === argmax(out)) agree++;
        for (let i = 0; i < ref.length; i++) { signal += ref[i]! ** 2; noise += (ref[i]! - out[i]!) ** 2; }
        if (c.noiseFloor) {
          const rounded = Float32Array.from(x, (v) => (Math.min(127, Math.max(-128, Math.round(v / scale!) + zp!)) - zp!) * scale!);
          const fl = (await ort.run({ [inputName]: { dims, data: rounded } })).outputs[0]!.data as Float32Array;
          if (argmax(fl) === argmax(ref)) floorAgree++;
        }
      }
    } finally {
      session.close();
      await ort.close();
    }
    const n = held.xs.length;
    const sqnr = 10 * Math.log10(signal / noise);
    console.log(`[int8-zoo] ${id}: agreement ${agree / n}, SQNR ${sqnr.toFixed(2)} dB${c.noiseFloor ? `, float model on int8-rounded inputs: agreement ${floorAgree / n}` : ''}`);
    expect(agree / n).toBeGreaterThanOrEqual(c.minAgreement);
    expect(sqnr).toBeGreaterThan(c.minSqnrDb);
    if (c.noiseFloor) expect(floorAgree / n, `${id}: the noise-floor reason must hold`).toBeLessThan(0.95);

    if (!c.keepFloatAuto) return;
    const auto = await convertFile(onnx, { quantize: { mode: 'int8', calibration: cal.path, keepFloat: { auto: { minAgreement: c.keepFloatAuto.target } } } });
    const k = auto.summary.quantization!.keepFloat!;
    console.log(`[int8-zoo] ${id} --keep-float auto: ${JSON.stringify({ ...k, kept: k.kept.map((x) => `${x.op} ${x.output}`) })}`);
    expect(k.mode).toBe('auto');
    expect(k.checkSamples).toBe(Math.min(50, Math.floor(cal.xs.length / 4)));
    expect(k.reached).toBe(c.keepFloatAuto.reached);
    const autoFloat = auto.summary.quantization!.ops.filter((o) => o.status === 'float');
    if (!k.reached) {
      // out of reach within a quarter of the operators: nothing more kept float, and the numbers say why
      expect(k.atCap!.agreement).toBeLessThan(c.keepFloatAuto.target);
      expect(floatReasons(autoFloat)).toEqual(c.floatOps ?? {});
      expect(keepFloatText(k)).toMatch(/NOT reached/);
      return;
    }
    expect(k.chosen!.agreement).toBeGreaterThanOrEqual(c.keepFloatAuto.target);
    for (const o of autoFloat.filter((x) => !(x.op in (c.floatOps ?? {})))) expect(o).toMatchObject({ why: { code: 'kept-auto' } });
    // the choice holds on inputs it never saw
    const autoSession = await openTflite(auto.tflite);
    const ort2 = await openOnnx(onnx);
    let autoAgree = 0;
    try {
      for (const x of held.xs) {
        const ref = (await ort2.run({ [inputName]: { dims, data: x } })).outputs[0]!.data as Float32Array;
        const out = (await autoSession.run([{ dims, data: x }])).outputs[0]!.data as Float32Array;
        if (argmax(ref) === argmax(out)) autoAgree++;
      }
    } finally {
      autoSession.close();
      await ort2.close();
    }
    console.log(`[int8-zoo] ${id} --keep-float auto: held-out agreement ${autoAgree / n} (all int8 ${agree / n})`);
    expect(autoAgree).toBeGreaterThanOrEqual(agree);
  }, 1_800_000);
});

/**
 * Issue 9's accuracy bar for `tfdoctor convert --quantize`, judged against TensorFlow's own quantizer:
 *
 * - the digits CNN (trained with torch on scikit-learn's handwritten digits, 360 held-out test images):
 *   int8 test accuracy within 1 point of float and not below TensorFlow's int8 of the Keras twin (same
 *   weights, same 200 calibration images); float16 within 0.1 point of float;
 * - FBNet-A/B (torch's default export; BatchNorm statistics re-estimated and the head balanced so top-1
 *   depends on the input, see scripts/models/fbnet_quant.py): int8 calibrated on 200 inputs, top-1
 *   agreement with PyTorch's float output on 1000 other inputs >= TensorFlow's int8 of the Keras twin
 *   calibrated on the same 200; .tflite size within 5 % of TensorFlow's.
 *
 * Every .tflite (ours and TensorFlow's) is scored the same way: ai_edge_litert in the tools venv
 * (scripts/models/tflite_eval.py, XNNPACK), one sample at a time. The yardsticks themselves are checked
 * first (the twins equal PyTorch, the models learned / have sane outputs, the scorer reads both layouts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyTolerance } from '../../src/verify/index.js';
// @ts-expect-error plain ESM script without types
import { ensureQuantYardsticks, MODEL_NAMES } from '../../scripts/models.mjs';

type Score = { bytes: number; layout: string; input_dtype: string; accuracy?: number; agreement?: number; max_abs_error?: number; sqnr_db?: number };
type Yardsticks = {
  dir: string; facts: any; evalScript: string; tools: { python: string };
  digits: { onnx: string; calib: string; test: string; labels: string; torchTest: string; tf: Record<'float32' | 'float16' | 'int8', string> };
  fbnet: { calib: string; eval: string; models: Record<string, { onnx: string; torchEval: string; tfInt8: string }> };
};

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'dist', 'tfdoctor.mjs');
const out = mkdtempSync(join(tmpdir(), 'tfdoctor-quant-'));
const MINUTES = 60_000;
let q: Yardsticks;

// FBNet's yardstick costs about ten CPU minutes and 0.8 GB more, and as built today TensorFlow's own int8 fails
// its sanity bar (see below), so its cases run only when asked for: TFDOCTOR_QUANT_FBNET=1 (bench/quant.mjs
// always builds it)
const withFbnet = process.env.TFDOCTOR_QUANT_FBNET === '1';

beforeAll(() => {
  q = ensureQuantYardsticks({ fbnet: withFbnet });
});

/** The built CLI as a user runs it; a hung conversion is killed after 20 minutes. */
function tfdoctor(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20 * MINUTES, killSignal: 'SIGKILL' });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Scores .tflite files with ai_edge_litert on NCHW inputs: accuracy against labels, agreement against reference logits. */
function score(inputs: string, models: Record<string, string>, opts: { labels?: string; reference?: string } = {}): Record<string, Score> {
  const args = [q.evalScript, '--inputs', inputs, ...(opts.labels ? ['--labels', opts.labels] : []),
    ...(opts.reference ? ['--reference', opts.reference] : []), ...Object.entries(models).map(([k, v]) => `${k}=${v}`)];
  const r = spawnSync(q.tools.python, args, { encoding: 'utf8', timeout: 30 * MINUTES, killSignal: 'SIGKILL', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`tflite_eval.py failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function convert(onnx: string, name: string, extra: string[]): string {
  const path = join(out, `${name}.tflite`);
  const r = tfdoctor(['convert', onnx, '-o', path, ...extra]);
  expect(r.status, r.output).toBe(0);
  return path;
}

describe('the yardsticks', () => {
  it('digits: the CNN learned the task, and its export, Keras twin and TensorFlow float32 file equal PyTorch', () => {
    const d = q.facts.digits;
    expect(d.data.images).toBe(1797);
    expect(d.data.test).toBe(360);
    expect(d.torch_test_accuracy).toBeGreaterThanOrEqual(0.97);
    const tol = verifyTolerance(d.max_abs_output);
    expect(d.ort_vs_torch_max_abs).toBeLessThanOrEqual(tol);
    expect(q.facts.tf.twin_vs_torch_max_abs.digits).toBeLessThanOrEqual(tol);
    const tf = q.facts.tfScores.digits;
    expect(tf.float32.layout).toBe('nhwc');
    expect(tf.float32.max_abs_error).toBeLessThanOrEqual(tol);
    expect(tf.float32.accuracy).toBe(d.torch_test_accuracy);
    // TensorFlow's quantized files: int8 really is int8-sized, and neither collapsed
    expect(tf.int8.bytes).toBeLessThan(tf.float32.bytes * 0.4);
    expect(tf.float16.bytes).toBeLessThan(tf.float32.bytes * 0.6);
    for (const m of ['float16', 'int8']) expect(tf[m].accuracy, m).toBeGreaterThanOrEqual(0.9);
  });

  it('digits: the scorer reads an NCHW .tflite too (tfdoctor\'s float32 conversion scores as PyTorch)', () => {
    const path = convert(q.digits.onnx, 'digits.float32', []);
    const s = score(q.digits.test, { ours: path }, { labels: q.digits.labels, reference: q.digits.torchTest }).ours!;
    expect(s.layout).toBe('nchw');
    expect(s.max_abs_error!).toBeLessThanOrEqual(verifyTolerance(q.facts.digits.max_abs_output));
    expect(s.accuracy).toBe(q.facts.digits.torch_test_accuracy);
  });

  it.runIf(withFbnet)('FBNet-A/B: sane output scale, top-1 that depends on the input, Keras twins equal PyTorch, TensorFlow int8 scored', () => {
    for (const name of MODEL_NAMES as string[]) {
      const m = q.facts.fbnet.models[name];
      expect(m.max_abs_output, name).toBeLessThan(20);
      expect(m.distinct_top1, name).toBeGreaterThanOrEqual(100); // of 1000 inputs
      expect(m.most_common_top1_fraction, name).toBeLessThan(0.1);
      expect(m.ort_vs_torch_max_abs_first8, name).toBeLessThanOrEqual(verifyTolerance(m.max_abs_output));
      expect(q.facts.tf.twin_vs_torch_max_abs[name], name).toBeLessThanOrEqual(verifyTolerance(m.max_abs_output));
      const tf = q.facts.tfScores.fbnet[name];
      expect(tf.layout).toBe('nhwc');
      expect(tf.input_dtype).toBe('float32');
      const floatBytes = Object.values(m.export.files as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(tf.bytes, name).toBeLessThan(floatBytes * 0.4);
      // Known to fail (measured 2026-12-01: TF int8 agreement 0.08 / 0.038, SQNR 0.9 / -0.5 dB): balancing the head
      // divides each logit by its small input-dependent spread, so int8 noise in the pooled features swamps it.
      // A yardstick that TensorFlow's own int8 cannot pass judges nothing; the model construction needs redoing.
      expect(tf.agreement, name).toBeGreaterThan(0.5);
    }
  });
});

describe('tfdoctor convert --quantize against TensorFlow\'s quantizer', () => {
  it('digits float16: test accuracy within 0.1 point of float', () => {
    const path = convert(q.digits.onnx, 'digits.float16', ['--quantize', 'float16']);
    const s = score(q.digits.test, { ours: path }, { labels: q.digits.labels, reference: q.digits.torchTest }).ours!;
    const float = q.facts.digits.torch_test_accuracy;
    console.log(`digits float16: ours ${s.accuracy} (${s.bytes} B), TF ${q.facts.tfScores.digits.float16.accuracy} ` +
      `(${q.facts.tfScores.digits.float16.bytes} B), float ${float}`);
    expect(Math.abs(s.accuracy! - float)).toBeLessThanOrEqual(0.001);
  });

  it('digits int8: test accuracy within 1 point of float and not below TensorFlow\'s int8', () => {
    const path = convert(q.digits.onnx, 'digits.int8', ['--quantize', 'int8', '--calibration', q.digits.calib]);
    const s = score(q.digits.test, { ours: path }, { labels: q.digits.labels, reference: q.digits.torchTest }).ours!;
    const float = q.facts.digits.torch_test_accuracy;
    const tf = q.facts.tfScores.digits.int8;
    console.log(`digits int8: ours ${s.accuracy} (${s.bytes} B, SQNR ${s.sqnr_db?.toFixed(1)} dB), TF ${tf.accuracy} ` +
      `(${tf.bytes} B, SQNR ${tf.sqnr_db.toFixed(1)} dB), float ${float}`);
    expect(float - s.accuracy!).toBeLessThanOrEqual(0.01);
    expect(s.accuracy!).toBeGreaterThanOrEqual(tf.accuracy);
  });

  it.runIf(withFbnet).each(MODEL_NAMES as string[])('%s int8: top-1 agreement >= TensorFlow\'s int8, size within 5 percent', (name) => {
    const m = q.fbnet.models[name]!;
    const path = convert(m.onnx, `${name}.int8`, ['--quantize', 'int8', '--calibration', q.fbnet.calib]);
    const s = score(q.fbnet.eval, { ours: path }, { reference: m.torchEval }).ours!;
    const tf = q.facts.tfScores.fbnet[name];
    console.log(`${name} int8: ours agreement ${s.agreement} (${s.bytes} B, SQNR ${s.sqnr_db?.toFixed(1)} dB), ` +
      `TF ${tf.agreement} (${tf.bytes} B, SQNR ${tf.sqnr_db.toFixed(1)} dB)`);
    expect(s.agreement!).toBeGreaterThanOrEqual(tf.agreement);
    expect(statSync(path).size).toBe(s.bytes);
    expect(Math.abs(s.bytes - tf.bytes) / tf.bytes).toBeLessThanOrEqual(0.05);
  });
});

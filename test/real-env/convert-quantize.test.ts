/**
 * --quantize float16 and dynamic on FBNet-A (torch 2.13's default export): size against the float
 * conversion, and accuracy against the float ONNX model on held-out seeded inputs in both verification
 * tiers (Node: LiteRT.js; Python: ai_edge_litert with XNNPACK and builtin kernels), and through the CLI.
 *
 * Yardstick (measured on the same weights, 60 seeded normal inputs, TF 2.20 on the Keras twin): TF's
 * float16 gives SQNR 62.7 dB / agreement 1.000 against TF's float model, TF's dynamic-range 31.8 dB /
 * 0.833; tfdoctor's 62.7 dB / 1.000 and 31.8 dB / 0.867 there. Random-normal inputs give FBNet logits
 * with small top-1 margins, so dynamic-range agreement on them sits well under 0.98 for both converters.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertFile } from '../../src/convert/index.js';
import { HELD_OUT_SEED, seededInputs, verifyQuantized } from '../../src/verify/index.js';
import { pythonVerifyQuality } from '../verify/python-tier.js';
// @ts-expect-error plain ESM script without types
import { ensureModels } from '../../scripts/models.mjs';
// @ts-expect-error plain ESM script without types
import { ensureVenv } from '../../scripts/venvs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = mkdtempSync(join(tmpdir(), 'tfdoctor-quant-'));
// this file's outputs (.tflite, .npy; up to ~300 MB a run) go when it ends: a long-lived machine's /tmp must not fill run after run
afterAll(() => rmSync(out, { recursive: true, force: true }));
let onnx: string;
let toolsPython: string;
const bytes: Record<string, number> = {};

beforeAll(async () => {
  const models = ensureModels() as { models: Record<string, { exports: Record<string, string> }> };
  onnx = models.models.fbnet_a!.exports.dynamo!;
  toolsPython = ensureVenv('tools').python;
  for (const mode of ['float', 'float16', 'dynamic'] as const) {
    const { tflite } = await convertFile(onnx, mode === 'float' ? {} : { quantize: { mode } });
    writeFileSync(join(out, `fbnet_a.${mode}.tflite`), tflite);
    bytes[mode] = tflite.length;
  }
});

const samples = (n: number) => Array.from({ length: n }, (_, k) => [{ dims: [1, 3, 224, 224], data: seededInputs([[1, 3, 224, 224]], HELD_OUT_SEED + k)[0]! }]);

describe('FBNet-A --quantize float16', () => {
  it('is half the size of the float .tflite', () => {
    expect(bytes.float16! / bytes.float!).toBeGreaterThan(0.49);
    expect(bytes.float16! / bytes.float!).toBeLessThan(0.51);
  });

  it('Node tier: max error tiny against the float model, agreement 1', async () => {
    const v = await verifyQuantized(onnx, join(out, 'fbnet_a.float16.tflite'), { samples: 20 });
    expect(v.problems).toEqual([]);
    expect(v.top1Agreement).toBe(1);
    expect(v.sqnrDb).toBeGreaterThan(55);
    expect(v.maxAbs).toBeLessThan(2e-3 * v.maxRef);
    expect(v.maxRef).toBeGreaterThan(100); // FBNet's logits on normal inputs reach the thousands
  });

  it('Python tier (ai_edge_litert, XNNPACK and builtin kernels) agrees', () => {
    const r = pythonVerifyQuality(toolsPython, { onnx, tflite: join(out, 'fbnet_a.float16.tflite'), samples: samples(6), resolvers: 'auto,builtin' });
    for (const [key, res] of Object.entries(r.resolvers)) {
      expect(res.error, key).toBeUndefined();
      expect(res.outputs![0]!.sqnrDb!, key).toBeGreaterThan(55);
      expect(res.outputs![0]!.top1Agreement, key).toBe(1);
    }
    expect(r.pass).toBe(true);
  });
});

describe('FBNet-A --quantize dynamic', () => {
  it('is about a quarter of the float .tflite (46 of 55 conv weights int8; small ones and biases float)', () => {
    expect(bytes.dynamic! / bytes.float!).toBeGreaterThan(0.25);
    expect(bytes.dynamic! / bytes.float!).toBeLessThan(0.28);
  });

  it('Node tier: SQNR about 32 dB as TF\'s own dynamic-range model gets, cosine near 1', async () => {
    const v = await verifyQuantized(onnx, join(out, 'fbnet_a.dynamic.tflite'), { samples: 20, minAgreement: 0.7 });
    expect(v.problems).toEqual([]);
    expect(v.sqnrDb).toBeGreaterThan(29);
    expect(v.cosine).toBeGreaterThan(0.999);
    expect(v.top1Agreement!).toBeGreaterThanOrEqual(0.75);
  });

  it('Python tier runs the hybrid kernels (XNNPACK and builtin) with the same quality', () => {
    const r = pythonVerifyQuality(toolsPython, { onnx, tflite: join(out, 'fbnet_a.dynamic.tflite'), samples: samples(6), resolvers: 'auto,builtin', minAgreement: 0 });
    for (const [key, res] of Object.entries(r.resolvers)) {
      expect(res.error, key).toBeUndefined();
      expect(res.outputs![0]!.sqnrDb!, key).toBeGreaterThan(29);
      expect(res.outputs![0]!.cosine, key).toBeGreaterThan(0.999);
    }
  });

  it('the CLI exits 1 under --min-sqnr and prints the per-operator list with --json', () => {
    const bin = join(root, 'dist', 'tfdoctor.mjs');
    const run = (extra: string[]) => spawnSync(process.execPath, [bin, 'convert', onnx, '-o', join(out, 'cli.tflite'), '-q', '--json', '--quantize', 'dynamic', '--verify', '--samples', '8', ...extra], { encoding: 'utf8', timeout: 600_000 });
    const low = run(['--min-agreement', '0', '--min-sqnr', '20']);
    expect(low.status, low.stderr).toBe(0);
    const doc = JSON.parse(low.stdout) as { quantization: { ops: { status: string; how?: { code: string }; detail: string }[] }; verify: { kind: string; sqnrDb: number; pass: boolean; samples: number } };
    expect(doc.verify.kind).toBe('quantized');
    expect(doc.verify.samples).toBe(8);
    expect(doc.verify.sqnrDb).toBeGreaterThan(29);
    expect(doc.quantization.ops.filter((o) => o.status === 'quantized').length).toBe(46);
    // each decision as its code, with the report's words beside it
    expect(doc.quantization.ops.find((o) => o.status === 'quantized')).toMatchObject({ how: { code: 'hybrid-int8-weights' }, detail: expect.stringMatching(/^int8 weights per (channel|tensor) \(hybrid kernel/) });
    const high = run(['--min-agreement', '0', '--min-sqnr', '45']);
    expect(high.status).toBe(1);
    expect((JSON.parse(high.stdout) as { verify: { problems: string[] } }).verify.problems.join()).toMatch(/SQNR .* under --min-sqnr 45/);
  });
});

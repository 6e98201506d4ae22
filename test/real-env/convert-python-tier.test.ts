/**
 * The Python verification tier (scripts/models/verify_tflite.py: onnxruntime + ai_edge_litert from
 * PyPI in the tools venv) on tiny real-format pairs: it passes a right conversion under all three
 * op resolvers and fails a numerically wrong one and a shape-broken one (which LiteRT.js would run).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededInputs } from '../../src/verify/index.js';
import { pythonVerify, writeNpyInputs } from '../verify/python-tier.js';
import { tinyAddOnnx, tinyAddTflite } from '../verify/tiny-models.js';
// @ts-expect-error plain ESM script without types
import { ensureVenv } from '../../scripts/venvs.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tfdoctor-pytier-'));
const file = (name: string, bytes: Uint8Array) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
const BIAS = [0.5, -1.25, 3, 100];
let python: string;
let inputs: string[];

beforeAll(() => {
  python = ensureVenv('tools').python;
  inputs = writeNpyInputs([{ dims: [1, 4], data: seededInputs([[1, 4]], 5)[0]! }]);
});

describe('Python tier (ai_edge_litert vs onnxruntime)', () => {
  it('passes a correct pair with XNNPACK, builtin and reference kernels', () => {
    const r = pythonVerify(python, { onnx: file('ok.onnx', tinyAddOnnx(BIAS, 1)), tflite: file('ok.tflite', tinyAddTflite(BIAS)), inputs });
    expect(Object.keys(r.resolvers).sort()).toEqual(['auto', 'builtin', 'ref']);
    for (const res of Object.values(r.resolvers)) {
      expect(res.error).toBeUndefined();
      expect(res.maxAbs).toBeLessThanOrEqual(r.tolerance);
    }
    expect(r.resolvers.builtin.ops).toEqual(['ADD']); // no DELEGATE: XNNPACK really off
    expect(r.pass).toBe(true);
  });

  it('fails a numerically wrong pair', () => {
    const wrong = BIAS.map((v, i) => (i === 0 ? v + 0.01 : v));
    const r = pythonVerify(python, { onnx: file('a.onnx', tinyAddOnnx(BIAS, 1)), tflite: file('wrong.tflite', tinyAddTflite(wrong)), inputs });
    expect(r.pass).toBe(false);
    expect(r.maxAbs!).toBeCloseTo(0.01, 4);
  });

  it('fails a shape-broken .tflite with the interpreter\'s own error', () => {
    const r = pythonVerify(python, { onnx: file('b.onnx', tinyAddOnnx(BIAS, 1)), tflite: file('broken.tflite', tinyAddTflite(BIAS.slice(0, 3), [3])), inputs });
    expect(r.pass).toBe(false);
    expect(r.resolvers.auto.error).toMatch(/RuntimeError|ValueError/);
  });
});

/** Test helpers: write a built ONNX model to a temp folder, convert it, verify it numerically. */
import { expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertFile, type ConvertOptions } from '../../../src/convert/index.js';
import { readTflite, type ReadModel } from '../../../src/convert/tflite/read.js';
import { verifyConversion } from '../../../src/verify/index.js';
import { buildModel, type ModelSpec } from './onnx-builder.js';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tfdoctor-convert-'));
}

export function writeModel(spec: ModelSpec, dir = tempDir(), name = 'model.onnx'): string {
  const p = join(dir, name);
  writeFileSync(p, buildModel(spec));
  return p;
}

export interface Converted {
  onnxPath: string;
  tflitePath: string;
  model: ReadModel;
  ops: string[];
}

export async function convertSpec(spec: ModelSpec, opts: ConvertOptions = {}): Promise<Converted> {
  const onnxPath = writeModel(spec);
  const { tflite } = await convertFile(onnxPath, opts);
  const tflitePath = onnxPath.replace(/\.onnx$/, '.tflite');
  writeFileSync(tflitePath, tflite);
  const model = readTflite(tflite);
  return { onnxPath, tflitePath, model, ops: model.operators.map((o) => o.op) };
}

/** Runs onnxruntime-node and LiteRT.js on the same seeded inputs; returns E's comparison. */
export async function verify(c: Converted, nhwc = false) {
  const r = await verifyConversion(c.onnxPath, c.tflitePath, { seed: 7, runs: 2, nhwc });
  return r;
}

/**
 * verify() and the checks every numeric test makes of it: no problems, an output of sane scale (max |ref| above
 * `minRef`), and the .tflite within the verifier's tolerance of onnxruntime. Returns the comparison.
 */
export async function expectVerified(c: Converted, minRef: number, nhwc = false) {
  const r = await verify(c, nhwc);
  expect(r.problems).toEqual([]);
  expect(r.maxRef).toBeGreaterThan(minRef);
  expect(r.maxAbs).toBeLessThanOrEqual(r.tolerance);
  return r;
}

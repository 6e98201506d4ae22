/**
 * `convert --verify`: runs the ONNX model (onnxruntime-node, the reference) and the .tflite (the
 * official LiteRT interpreter via LiteRT.js) on the same seeded random inputs and compares every
 * output number. Passing means max abs error <= 1e-4 x max(1, max|reference output|) and no
 * error reported by LiteRT.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { compareArrays, verifyTolerance, type Comparison } from './compare.js';
import { inputSizes, type InputSizes } from '../onnx/input-sizes.js';
import { openPair, runtimeNames, type PairRunner } from './pair.js';

export { compareArrays, compareOutputs, verifyTolerance } from './compare.js';
export { openPair, runtimeNames, type PairRunner } from './pair.js';
export { captureStderr, loadLiteRtNode, openTflite, runTflite, tfliteInputs } from './litert.js';
export { concreteDims, loadOrt, openOnnx, runOnnx } from './onnxrt.js';
export { mulberry32, seededInputs } from './prng.js';
export { decodeNpy, encodeNpyFloat32 } from './npy.js';

/** InputSizes: the sizes the conversion gave the model's symbolic dims (convert --dim, --batch) */
export interface VerifyOptions extends InputSizes {
  /** first seed of the random inputs (default 0); run k uses seed + k */
  seed?: number;
  /** how many random input sets (default 2) */
  runs?: number;
  /** the .tflite's own rank-4 I/O is NHWC (convert --nhwc); detected from its shapes when omitted */
  nhwc?: boolean;
}

export interface VerifyResult extends Comparison {
  tolerance: number;
  pass: boolean;
  /** "LiteRT.js x vs onnxruntime-node y" */
  runtime: string;
  /** why it failed besides the numbers: LiteRT errors, shape or count mismatches */
  problems: string[];
  runs: number;
}

async function verifyOnce(pair: PairRunner, seed: number, problems: string[]): Promise<Comparison> {
  const outs = await pair.run(seed, problems);
  if (!outs) return { maxAbs: Infinity, maxRel: Infinity, maxRef: 0 };
  let acc: Comparison = { maxAbs: 0, maxRel: 0, maxRef: 0 };
  outs.ref.forEach((r, i) => { acc = compareArrays(r.data as ArrayLike<number>, outs.cand[i]!.data as ArrayLike<number>, acc); });
  return acc;
}

export async function verifyConversion(onnxPath: string, tflitePath: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const seed = opts.seed ?? 0;
  const runs = Math.max(1, opts.runs ?? 2);
  const tflite = new Uint8Array(await readFile(tflitePath));
  const problems: string[] = [];
  let maxAbs = 0;
  let maxRef = 0;
  let pair: PairRunner | undefined;
  try {
    pair = await openPair(onnxPath, tflite, opts.nhwc, inputSizes(opts));
    for (let k = 0; k < runs; k++) {
      const c = await verifyOnce(pair, seed + k, problems);
      if (!(c.maxAbs <= maxAbs)) maxAbs = c.maxAbs;
      maxRef = Math.max(maxRef, c.maxRef);
    }
  } catch (err) {
    if (err instanceof UserError && /needs|verification feeds/.test(err.message)) throw err;
    problems.push(err instanceof Error ? err.message : String(err));
    maxAbs = Infinity;
  } finally {
    await pair?.close();
  }
  const tolerance = verifyTolerance(maxRef);
  return {
    maxAbs,
    maxRel: maxAbs / Math.max(maxRef, 1e-12),
    maxRef,
    tolerance,
    pass: problems.length === 0 && maxAbs <= tolerance,
    runtime: runtimeNames(),
    problems,
    runs,
  };
}

export { HELD_OUT_SEED, verifyQuantized, type QuantizedVerifyOptions, type QuantizedVerifyResult } from './quantized.js';
export { QualityAccumulator, isClassification, type OutputQuality } from './quality.js';
export { QDQ_REFERENCES, verifyQdq, type QdqOutputError, type QdqReferenceResult, type QdqVerifyOptions, type QdqVerifyResult } from './qdq.js';

/**
 * `convert --quantize ... --verify`: the quantized .tflite (LiteRT.js) against the FLOAT ONNX model
 * (onnxruntime-node) on held-out seeded inputs, judged by what quantization people read: top-1
 * agreement on classification-shaped outputs, SQNR, cosine similarity, max abs error. Held-out: seeds
 * start at HELD_OUT_SEED, so calibration drawing seeded random samples below it never sees them.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { runnableInLiteRt } from './float-boundary.js';
import { inputSizes, type InputSizes } from '../onnx/input-sizes.js';
import { openPair, type PairRunner } from './pair.js';
import { QualityAccumulator, type OutputQuality } from './quality.js';

export const HELD_OUT_SEED = 1_000_000;

/** InputSizes: the sizes the conversion gave the model's symbolic dims (convert --dim, --batch) */
export interface QuantizedVerifyOptions extends InputSizes {
  /** how many held-out input sets (default 50: agreement in steps of 0.02 for a batch-1 model, under a minute for FBNet) */
  samples?: number;
  seed?: number;
  nhwc?: boolean;
  /** pass needs top-1 agreement >= this on every classification output (default 0.98) */
  minAgreement?: number;
  /** pass needs SQNR >= this (dB) on every output, when given */
  minSqnr?: number;
}

export interface QuantizedVerifyResult {
  pass: boolean;
  samples: number;
  firstSeed: number;
  outputs: OutputQuality[];
  /** the worst over the outputs: the numbers a one-line summary shows */
  top1Agreement?: number;
  sqnrDb: number;
  cosine: number;
  maxAbs: number;
  maxRef: number;
  thresholds: { minAgreement: number; minSqnr?: number };
  /** what failed: thresholds missed, LiteRT errors, shape or count mismatches */
  problems: string[];
  runtime: string;
  /** int8 inputs / outputs (by signature name) run through a float boundary, LiteRT.js taking no int8 tensors */
  floatBoundary?: { inputs: string[]; outputs: string[] };
}

export async function verifyQuantized(onnxPath: string, tflitePath: string, opts: QuantizedVerifyOptions = {}): Promise<QuantizedVerifyResult> {
  const samples = Math.max(1, opts.samples ?? 50);
  const firstSeed = opts.seed ?? HELD_OUT_SEED;
  const minAgreement = opts.minAgreement ?? 0.98;
  const file = new Uint8Array(await readFile(tflitePath));
  const problems: string[] = [];
  const acc = new QualityAccumulator();
  let pair: PairRunner | undefined;
  let runtime = '';
  let complete = false;
  let floatBoundary: QuantizedVerifyResult['floatBoundary'];
  try {
    const runnable = runnableInLiteRt(file);
    floatBoundary = runnable.floatBoundary;
    pair = await openPair(onnxPath, runnable.bytes, opts.nhwc, inputSizes(opts));
    runtime = pair.runtime;
    let k = 0;
    for (; k < samples; k++) {
      const outs = await pair.run(firstSeed + k, problems);
      if (!outs) break;
      outs.ref.forEach((r, i) => acc.add(r.name, r.dims, r.data as ArrayLike<number>, outs.cand[i]!.data as ArrayLike<number>));
    }
    complete = k === samples;
  } catch (err) {
    if (err instanceof UserError && /needs|verification feeds/.test(err.message)) throw err;
    problems.push(err instanceof Error ? err.message : String(err));
  } finally {
    await pair?.close();
  }
  const outputs = complete ? acc.result() : [];
  const agreements = outputs.flatMap((o) => (o.top1Agreement === undefined ? [] : [o.top1Agreement]));
  const worst = {
    ...(agreements.length ? { top1Agreement: Math.min(...agreements) } : {}),
    sqnrDb: outputs.length ? Math.min(...outputs.map((o) => o.sqnrDb)) : -Infinity,
    cosine: outputs.length ? Math.min(...outputs.map((o) => (Number.isNaN(o.cosine) ? -1 : o.cosine))) : NaN,
    maxAbs: outputs.length ? Math.max(...outputs.map((o) => o.maxAbs)) : Infinity,
    maxRef: Math.max(0, ...outputs.map((o) => o.maxRef)),
  };
  for (const o of outputs) {
    if (o.maxAbs === Infinity) problems.push(`output '${o.name}': NaN or Infinity where the float model has none`);
    if (o.top1Agreement !== undefined && o.top1Agreement < minAgreement) {
      problems.push(`output '${o.name}': top-1 agreement ${o.top1Agreement.toFixed(3)} is under --min-agreement ${minAgreement}`);
    }
    if (opts.minSqnr !== undefined && !(o.sqnrDb >= opts.minSqnr)) {
      problems.push(`output '${o.name}': SQNR ${o.sqnrDb.toFixed(1)} dB is under --min-sqnr ${opts.minSqnr}`);
    }
  }
  return {
    pass: problems.length === 0,
    samples,
    firstSeed,
    outputs,
    ...worst,
    thresholds: { minAgreement, ...(opts.minSqnr !== undefined ? { minSqnr: opts.minSqnr } : {}) },
    problems,
    runtime,
    ...(floatBoundary ? { floatBoundary } : {}),
  };
}

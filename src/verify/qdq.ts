/**
 * `convert --verify` of a QDQ model: the int8 .tflite (LiteRT.js) against onnxruntime-node running the
 * QDQ model itself, on seeded inputs, with the error counted in quantization steps of each output (its
 * last DequantizeLinear's scale). Pass: every element within one step (a rounding at an exact tie, or
 * a rounding one layer apart, moves a value by one step).
 *
 * The reference runs with onnxruntime's graph optimisations disabled: every QuantizeLinear,
 * DequantizeLinear and float op as written, i.e. what the QDQ model means. With them on, onnxruntime
 * fuses DequantizeLinear -> op -> QuantizeLinear into its integer kernels (QLinearConv, ...), whose
 * x86 u8s8 path without AVX-VNNI adds pairs of products in 16 bits and saturates on weights that use
 * the full int8 range (onnxruntime's docs recommend reduce_range there): on such a machine the fused
 * run is not the model's arithmetic, so it cannot be the yardstick of a correct conversion.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { compareArrays, verifyTolerance } from './compare.js';
import { openPair, type PairRunner } from './pair.js';

export interface QdqVerifyOptions {
  /** first seed (default 0); run k uses seed + k */
  seed?: number;
  /** how many seeded input sets (default 5) */
  runs?: number;
  nhwc?: boolean;
  /** each output's quantization step (scale), by output name; an output without one is judged by max abs error only */
  steps: Record<string, number>;
}

export interface QdqOutputError {
  name: string;
  /** the output's quantization step, when it is quantized */
  step?: number;
  maxAbs: number;
  /** max abs error in steps */
  maxSteps?: number;
  /** share of elements equal to the reference (below half a step) */
  exact?: number;
}

export interface QdqVerifyResult {
  pass: boolean;
  runs: number;
  /** the worst over the quantized outputs, in steps */
  maxSteps: number;
  outputs: QdqOutputError[];
  reference: string;
  runtime: string;
  problems: string[];
}

export const QDQ_REFERENCE = 'onnxruntime running the QDQ model itself, graph optimisations disabled (its QuantizeLinear/DequantizeLinear as written)';

export async function verifyQdq(onnxPath: string, tflitePath: string, opts: QdqVerifyOptions): Promise<QdqVerifyResult> {
  const seed = opts.seed ?? 0;
  const runs = Math.max(1, opts.runs ?? 5);
  const tflite = new Uint8Array(await readFile(tflitePath));
  const problems: string[] = [];
  const acc = new Map<string, { maxAbs: number; maxRef: number; exact: number; total: number }>();
  let pair: PairRunner | undefined;
  let runtime = '';
  try {
    pair = await openPair(onnxPath, tflite, opts.nhwc, { ortOptimization: 'disabled' });
    runtime = pair.runtime;
    for (let k = 0; k < runs; k++) {
      const outs = await pair.run(seed + k, problems);
      if (!outs) break;
      outs.ref.forEach((r, i) => {
        const ref = r.data as ArrayLike<number>;
        const cand = outs.cand[i]!.data as ArrayLike<number>;
        const a = acc.get(r.name) ?? { maxAbs: 0, maxRef: 0, exact: 0, total: 0 };
        const c = compareArrays(ref, cand);
        a.maxAbs = Math.max(a.maxAbs, c.maxAbs);
        a.maxRef = Math.max(a.maxRef, c.maxRef);
        const step = opts.steps[r.name];
        if (step) for (let j = 0; j < ref.length; j++) if (Math.abs(ref[j]! - cand[j]!) < step / 2) a.exact++;
        a.total += ref.length;
        acc.set(r.name, a);
      });
    }
  } catch (err) {
    if (err instanceof UserError && /needs|verification feeds/.test(err.message)) throw err;
    problems.push(err instanceof Error ? err.message : String(err));
  } finally {
    await pair?.close();
  }
  const outputs: QdqOutputError[] = [...acc].map(([name, a]) => {
    const step = opts.steps[name];
    return step ? { name, step, maxAbs: a.maxAbs, maxSteps: a.maxAbs / step, exact: a.exact / Math.max(1, a.total) } : { name, maxAbs: a.maxAbs };
  });
  const maxSteps = Math.max(0, ...outputs.map((o) => o.maxSteps ?? 0));
  for (const [name, a] of acc) {
    // a float output (no QuantizeLinear before it): the float converter's tolerance
    if (!opts.steps[name] && !(a.maxAbs <= verifyTolerance(a.maxRef))) problems.push(`output '${name}' (float) differs by ${a.maxAbs.toExponential(2)}, more than ${verifyTolerance(a.maxRef).toExponential(2)}`);
  }
  // both sides are on the output's grid: the error is a whole number of steps (plus float32 noise)
  for (const o of outputs) if (o.maxSteps !== undefined && !(Math.round(o.maxSteps) <= 1)) problems.push(`output '${o.name}' differs by ${o.maxSteps.toFixed(0)} quantization steps (more than one)`);
  return { pass: problems.length === 0 && acc.size > 0, runs, maxSteps, outputs, reference: QDQ_REFERENCE, runtime, problems };
}

/**
 * `convert --verify` of a QDQ model: the int8 .tflite (LiteRT.js) against onnxruntime-node running the
 * QDQ model itself, on seeded inputs, with the error counted in quantization steps of each output (its
 * last DequantizeLinear's scale). Both sides are on the output's int8 grid, so an error is a whole
 * number of steps. Pass: every element within one step of one of onnxruntime's two executions:
 *  - as written (graph optimisations disabled): every QuantizeLinear, DequantizeLinear and float op,
 *    i.e. what the QDQ model means, rounding once per QuantizeLinear in float arithmetic;
 *  - its integer kernels (the default session): DequantizeLinear -> op -> QuantizeLinear fused into
 *    QLinearConv, ..., integer arithmetic like TFLite's. Their x86 u8s8 path without AVX-VNNI adds
 *    pairs of products in 16 bits and saturates on weights using the full int8 range (onnxruntime
 *    recommends reduce_range there), so on such a machine this run is not the model's arithmetic.
 * Two correct int8 executions differ by a step where a value lands near a rounding tie; a deep network
 * can amplify such a step layer after layer (FBNet-A with random weights: onnxruntime's two executions
 * differ from each other by 46 steps), so a model may match one execution and not the other.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { compareArrays, verifyTolerance } from './compare.js';
import { inputSizes, type InputSizes } from '../onnx/input-sizes.js';
import type { OrtOptimization } from './onnxrt.js';
import { runnableInLiteRt } from './float-boundary.js';
import { openPair, type PairRunner } from './pair.js';

/** InputSizes: the sizes the conversion gave the model's symbolic dims (convert --dim, --batch) */
export interface QdqVerifyOptions extends InputSizes {
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

export interface QdqReferenceResult {
  /** which onnxruntime execution */
  reference: 'as written' | 'integer kernels';
  /** onnxruntime's graph optimisation level for it */
  optimization: OrtOptimization;
  /** what that execution is, in words */
  describe: string;
  pass: boolean;
  /** the worst over the quantized outputs, in steps */
  maxSteps: number;
  outputs: QdqOutputError[];
  problems: string[];
}

export interface QdqVerifyResult {
  /** within one step of either execution */
  pass: boolean;
  runs: number;
  references: QdqReferenceResult[];
  runtime: string;
  /** int8 inputs / outputs (by signature name) run through a float boundary, LiteRT.js taking no int8 tensors */
  floatBoundary?: { inputs: string[]; outputs: string[] };
}

export const QDQ_REFERENCES: { reference: QdqReferenceResult['reference']; optimization: OrtOptimization; describe: string }[] = [
  { reference: 'as written', optimization: 'disabled', describe: 'graph optimisations disabled: its QuantizeLinear/DequantizeLinear and float ops as written' },
  { reference: 'integer kernels', optimization: 'all', describe: 'the default session: the pairs fused into its integer kernels' },
];

async function against(onnxPath: string, tflite: Uint8Array, ref: (typeof QDQ_REFERENCES)[number], opts: QdqVerifyOptions, seed: number, runs: number): Promise<QdqReferenceResult & { runtime: string }> {
  const problems: string[] = [];
  const acc = new Map<string, { maxAbs: number; maxRef: number; exact: number; total: number }>();
  let pair: PairRunner | undefined;
  let runtime = '';
  try {
    pair = await openPair(onnxPath, tflite, opts.nhwc, { ortOptimization: ref.optimization, ...inputSizes(opts) });
    runtime = pair.runtime;
    for (let k = 0; k < runs; k++) {
      const outs = await pair.run(seed + k, problems);
      if (!outs) break;
      outs.ref.forEach((r, i) => {
        const want = r.data as ArrayLike<number>;
        const got = outs.cand[i]!.data as ArrayLike<number>;
        const a = acc.get(r.name) ?? { maxAbs: 0, maxRef: 0, exact: 0, total: 0 };
        const c = compareArrays(want, got);
        a.maxAbs = Math.max(a.maxAbs, c.maxAbs);
        a.maxRef = Math.max(a.maxRef, c.maxRef);
        const step = opts.steps[r.name];
        if (step) for (let j = 0; j < want.length; j++) if (Math.abs(want[j]! - got[j]!) < step / 2) a.exact++;
        a.total += want.length;
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
  for (const [name, a] of acc) {
    // a float output (no QuantizeLinear before it): the float converter's tolerance
    if (!opts.steps[name] && !(a.maxAbs <= verifyTolerance(a.maxRef))) problems.push(`output '${name}' (float) differs by ${a.maxAbs.toExponential(2)}, more than ${verifyTolerance(a.maxRef).toExponential(2)}`);
  }
  for (const o of outputs) if (o.maxSteps !== undefined && !(Math.round(o.maxSteps) <= 1)) problems.push(`output '${o.name}' differs by ${o.maxSteps.toFixed(0)} quantization steps (more than one)`);
  const maxSteps = Math.max(0, ...outputs.map((o) => o.maxSteps ?? 0));
  return { reference: ref.reference, optimization: ref.optimization, describe: ref.describe, pass: problems.length === 0 && acc.size > 0, maxSteps, outputs, problems, runtime };
}

export async function verifyQdq(onnxPath: string, tflitePath: string, opts: QdqVerifyOptions): Promise<QdqVerifyResult> {
  const seed = opts.seed ?? 0;
  const runs = Math.max(1, opts.runs ?? 5);
  const { bytes: tflite, floatBoundary } = runnableInLiteRt(new Uint8Array(await readFile(tflitePath)));
  const references: QdqReferenceResult[] = [];
  let runtime = '';
  for (const ref of QDQ_REFERENCES) {
    const { runtime: r, ...result } = await against(onnxPath, tflite, ref, opts, seed, runs);
    runtime ||= r;
    references.push(result);
  }
  return { pass: references.some((r) => r.pass), runs, references, runtime, ...(floatBoundary ? { floatBoundary } : {}) };
}

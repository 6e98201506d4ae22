/**
 * The asynchronous half of `--quantize int8`, run before the pass: reads `--calibration`, lays the
 * samples out as the .tflite's inputs (NCHW data for an `--nhwc` model is transposed) and measures
 * every activation's range by running the float graph in LiteRT (ranges.ts); then corrects the
 * weighted operators' biases for their int8 weights' rounding (bias-correction.ts), which changes `g`.
 */
import { UserError } from '../../util/errors.js';
import { NCHW_TO_NHWC, permute4, sameDims } from '../../verify/tensors.js';
import type { TfliteGraph } from '../tflite/model.js';
import { biasCorrectionInputs, correctBiases, ElementMeans } from './bias-correction.js';
import { CALIBRATION_REQUIRED, loadCalibration, type ModelInput } from './calibration.js';
import { collectRanges, type Range, type RangeMethod } from './ranges.js';

export interface Calibrated {
  ranges: Map<number, Range>;
  samples: number;
  source: string;
  warnings: string[];
  /** weighted operators whose bias was corrected for their int8 weights' rounding (bias-correction.ts) */
  biasCorrected: number;
  /** the calibration runs' input means (bias correction) and the tensors measured, for `reuse` */
  means: ElementMeans;
  tensorNames: string[];
  /** samples set aside from range measurement (`checkSamples`), in the .tflite's input layout */
  check?: Float32Array[][];
}

/** The .tflite's inputs in the ONNX layout: what calibration files hold. */
export function onnxLayoutInputs(g: TfliteGraph, onnxDims: ReadonlyMap<string, readonly number[]>): ModelInput[] {
  return g.signatureInputs.map((s) => ({ name: s.name, dims: [...(onnxDims.get(s.name) ?? g.tensors[s.tensor]!.shape)] }));
}

export async function calibrateInt8(
  g: TfliteGraph,
  onnxDims: ReadonlyMap<string, readonly number[]>,
  calibration: string | undefined,
  opts: { method?: RangeMethod; biasCorrection?: boolean; reuse?: Calibrated; onProgress?: (msg: string) => void; checkSamples?: (samples: number) => number } = {},
): Promise<Calibrated> {
  const tensorNames = g.tensors.map((t) => t.name);
  if (opts.reuse) {
    // the same float graph again (e.g. another --io of one model): its measurements hold, only the
    // bias correction has to be applied to this copy of the graph
    const same = opts.reuse.tensorNames.length === tensorNames.length && opts.reuse.tensorNames.every((n, i) => n === tensorNames[i]);
    if (!same) throw new Error('internal: reused calibration belongs to another graph');
    const corrected = opts.biasCorrection === false ? 0 : correctBiases(g, opts.reuse.means);
    return { ...opts.reuse, biasCorrected: corrected };
  }
  if (calibration === undefined) {
    throw new UserError(CALIBRATION_REQUIRED);
  }
  const inputs = onnxLayoutInputs(g, onnxDims);
  const set = loadCalibration(calibration, inputs);
  for (const w of set.warnings) opts.onProgress?.(`WARNING: ${w}`);
  // samples[k] follows the signature order; the graph's input order may differ
  const order = g.inputs.map((t) => g.signatureInputs.findIndex((s) => s.tensor === t));
  const samples = set.samples.map((sample) => order.map((si, gi) => {
    const data = sample[si]!;
    const from = inputs[si]!.dims;
    const to = g.tensors[g.inputs[gi]!]!.shape;
    if (sameDims(from, to)) return data;
    if (from.length === 4 && sameDims(NCHW_TO_NHWC.map((p) => from[p]!), to)) return permute4(data, from, NCHW_TO_NHWC).data as Float32Array;
    throw new Error(`internal: calibration input [${from.join(',')}] does not fit the .tflite input [${to.join(',')}]`);
  }));
  // the last `checkSamples` samples judge choices made on the ranges (--keep-float auto), so no range sees them
  const nCheck = Math.min(opts.checkSamples?.(samples.length) ?? 0, Math.floor(samples.length / 2));
  const check = nCheck ? samples.splice(samples.length - nCheck, nCheck) : undefined;
  opts.onProgress?.(`calibrating on ${samples.length} samples from ${set.source} (LiteRT runs of the float model)${check ? `, ${check.length} more set aside as check samples` : ''}`);
  const means = new ElementMeans();
  const onProgress = opts.onProgress ? (done: number) => { if (done % 25 === 0 && done < samples.length) opts.onProgress!(`calibration: ${done} of ${samples.length} samples`); } : undefined;
  const ranges = await collectRanges(g, samples, {
    ...(opts.method ? { method: opts.method } : {}), means: { tensors: biasCorrectionInputs(g), into: means }, ...(onProgress ? { onProgress } : {}),
  });
  // the biases move before the int8 pass quantizes them: the ranges above stay those of the float model
  const corrected = opts.biasCorrection === false ? 0 : correctBiases(g, means);
  return { ranges, samples: samples.length, source: set.source, warnings: set.warnings, biasCorrected: corrected, means, tensorNames, ...(check ? { check } : {}) };
}

/**
 * Post-training quantization: passes over the TfliteGraph that emission wrote (emission reads only the
 * IR and never sees these). One module per job:
 *   index.ts    the pass driver (this file): picks the pass, checks options, returns the report
 *   report.ts   the report types and the per-operator bookkeeping every pass shares
 *   decisions.ts  the report's decisions and notes as codes (how quantized, why float)
 *   weights.ts  weight quantization arithmetic (symmetric int8 per channel / per tensor)
 *   float16.ts  --quantize float16: FLOAT16 constants + DEQUANTIZE, as TF's float16 quantization writes
 *   dynamic.ts  --quantize dynamic: int8 weights on TFLite's hybrid kernels, float activations
 *   calibration.ts, calibrate.ts, ranges.ts, histogram.ts  int8 calibration: samples -> LiteRT runs -> ranges
 *   int8-params.ts, int8-rules.ts, int8.ts  --quantize int8: full-integer PTQ over the calibrated ranges
 *   keep-float.ts  --keep-float: operators kept float by name, or the fewest that reach an agreement target
 *
 * The interface: `quantizeGraph(graph, opts)` rewrites `graph` in place and returns a QuantizeReport that
 * lists every operator the float graph had as "quantized" (how) or "float" (why), each a code with its
 * arguments (decisions.ts; src/report/quantization.ts words them), so `--json` can say which. A pass never changes what the graph computes beyond the quantization error, never changes
 * the signature of a float-I/O model, and leaves no tensor unused. Anything asynchronous (running the
 * float model on calibration data) happens before the pass and reaches it through `opts`.
 */
import { UserError } from '../../util/errors.js';
import type { TfliteGraph } from '../tflite/model.js';
import { quantizeDynamic } from './dynamic.js';
import { quantizeFloat16 } from './float16.js';
import { quantizeInt8InPlace } from './int8.js';
import type { Calibrated } from './calibrate.js';
import type { KeepFloatRequest } from './keep-float.js';
import type { Range, RangeMethod } from './ranges.js';
import type { FloatReason } from './decisions.js';
import type { QuantizeReport } from './report.js';

export type { KeepFloatReport, OpQuantization, QuantizeMode, QuantizeReport } from './report.js';
export type { FloatReason, QuantizedAs, QuantizeNote } from './decisions.js';
export { chooseKeepFloat, keepByName } from './keep-float.js';
export { opPlaces } from './report.js';
export type { KeepFloatChoice, KeepFloatRequest } from './keep-float.js';
export { correctBiases } from './bias-correction.js';
export { QUANTIZE_MODES } from './report.js';
export { calibrateInt8 } from './calibrate.js';
export type { Calibrated } from './calibrate.js';

export interface QuantizeOptions {
  mode: import('./report.js').QuantizeMode;
  /** int8: where calibration samples come from (a .npy/.npz path, a folder, or 'random') */
  calibration?: string;
  /** int8: how ranges are read off the calibration runs (ranges.ts; a tuning knob, not a CLI flag) */
  method?: RangeMethod;
  /** int8: the calibration of an earlier convertFile of the same model and options (skips the runs) */
  reuse?: Calibrated;
  /** int8: correct biases for the int8 weights' rounding (default on; bias-correction.ts) */
  biasCorrection?: boolean;
  /** int8: the .tflite's own inputs/outputs stay float (default) or become int8 */
  io?: 'float' | 'int8';
  /** int8: the calibrated range of every graph input and activation (calibrateInt8, run before the pass) */
  ranges?: ReadonlyMap<number, Range>;
  /** int8: operators to keep float beyond those without an int8 rule: named, or chosen by measurement (keep-float.ts) */
  keepFloat?: KeepFloatRequest;
  /** int8: the operator indexes keepFloat resolved to, with why (set by the driver before the pass) */
  keep?: ReadonlyMap<number, FloatReason>;
}

export function quantizeGraph(graph: TfliteGraph, opts: QuantizeOptions): QuantizeReport {
  switch (opts.mode) {
    case 'float16':
      return quantizeFloat16(graph);
    case 'dynamic':
      return quantizeDynamic(graph);
    case 'int8':
      if (!opts.ranges) throw new UserError('--quantize int8 needs calibrated ranges (--calibration)');
      return quantizeInt8InPlace(graph, opts.ranges, opts.io ?? 'float', undefined, opts.keep);
  }
}

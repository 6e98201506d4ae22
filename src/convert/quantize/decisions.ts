/**
 * What a quantization pass decided, as data: per operator how it runs quantized (QuantizedAs) or why
 * it stays float (FloatReason), and the report's notes (QuantizeNote). Each is a code with the numbers
 * and names it needs; all wording is in src/report/quantization.ts, which --json and the text report
 * both use. Names of tensors and operators are the float model's.
 */
import type { BuiltinOpName } from '../tflite/schema.js';

/** How a quantized operator runs. */
export type QuantizedAs =
  // --quantize int8, by the operator's int8 rule (int8-rules.ts)
  | { code: 'int8-weights-per-channel'; axis: number }
  | { code: 'int8-weights-per-tensor' }
  | { code: 'int8' }
  | { code: 'int8-output-at-input-params' }
  | { code: 'int8-inputs-at-output-params' }
  | { code: 'int8-fixed-output-params'; scale: number; zeroPoint: number }
  // --quantize float16
  | { code: 'float16-weights' }
  | { code: 'float16-weights-but-one-beyond-range' }
  // --quantize dynamic
  | { code: 'hybrid-int8-weights'; perChannel: boolean };

/** Why an operator stays float32. */
export type FloatReason =
  // --quantize int8: what the operator is
  | { code: 'no-int8-kernel'; op: BuiltinOpName; uint8Kernel?: true }
  | { code: 'int8-not-implemented'; op: BuiltinOpName }
  | { code: 'cast-left-as-is' }
  // --quantize int8: where it sits (row-norm.ts) and what calibration measured
  | { code: 'row-normalization' }
  | { code: 'residual-stream-into-float-layernorm' }
  /** `max`: the calibrated maximum of the SOFTMAX's outputs (int8 SOFTMAX writes on steps of 1/256) */
  | { code: 'softmax-coarse'; max: number }
  /** a clamp's constant `bound` rounds to 0 at the output's int8 `scale` */
  | { code: 'clamp-bound-rounds-to-zero'; op: BuiltinOpName; bound: number; scale: number }
  // --quantize int8: what the operator reads and writes
  | { code: 'no-float-input'; op: BuiltinOpName }
  | { code: 'non-float-output'; op: BuiltinOpName; type: string }
  | { code: 'no-calibrated-range'; tensor: string }
  | { code: 'constant-operand'; op: BuiltinOpName }
  | { code: 'input-not-float'; op: BuiltinOpName }
  | { code: 'weights-at-run-time'; op: BuiltinOpName }
  | { code: 'bias-at-run-time'; op: BuiltinOpName }
  // --keep-float (keep-float.ts)
  | { code: 'kept-by-name'; name: string }
  /**
   * chosen by `--keep-float auto`: alone in int8 the operator takes the output to `damageDb` SQNR, rank
   * `rank` of `candidates` by that damage; with the `kept` most damaging float, agreement on
   * `checkSamples` check samples is `agreement` (all int8: `allInt8Agreement`). With `groupSize`, the
   * operator was measured only as part of a run of that many consecutive operators, and `damageDb` is
   * the run's (keep-float.ts Sensitivity)
   */
  | { code: 'kept-auto'; damageDb: number; groupSize?: number; rank: number; candidates: number; kept: number; checkSamples: number; agreement: number; allInt8Agreement: number }
  /** a model --keep-float auto builds only to measure (never in a report) */
  | { code: 'kept-to-measure' }
  // a QDQ model's own params (qdq.ts, qdq-tensors.ts)
  | { code: 'qdq-no-params'; tensor: string }
  | { code: 'qdq-output-params-differ'; op: BuiltinOpName }
  | { code: 'qdq-fixed-output-params-differ'; op: BuiltinOpName; scale: number; zeroPoint: number; kernelScale: number; kernelZeroPoint: number }
  | { code: 'qdq-constant-float'; tensor: string }
  | { code: 'qdq-constant-per-axis'; tensor: string }
  | { code: 'qdq-constant-off-grid'; tensor: string }
  | { code: 'qdq-weights-zero-point'; tensor: string }
  /** weights quantized along `axis`; TFLite's int8 `op` takes per-channel scales along its output channels (`outputAxis`) only */
  | { code: 'qdq-weights-axis'; tensor: string; axis: number; outputAxis: number | undefined; op: BuiltinOpName }
  | { code: 'qdq-inexact-int8-kernel'; op: BuiltinOpName }
  // --quantize float16
  | { code: 'no-float-constants' }
  | { code: 'constant-beyond-float16' }
  // --quantize dynamic
  | { code: 'no-constant-weights' }
  | { code: 'no-hybrid-kernel'; op: BuiltinOpName }
  | { code: 'hybrid-weights-at-run-time' }
  | { code: 'hybrid-operands-constant' }
  | { code: 'hybrid-input-not-float'; type: string }
  | { code: 'weights-under-threshold'; elements: number; threshold: number };

/** What the report says besides the per-operator decisions. */
export type QuantizeNote =
  | { code: 'calibrated'; samples: number; source: string }
  | { code: 'bias-corrected'; operators: number }
  /** the calibration's own warning (also a note of the conversion and a line on stderr) */
  | { code: 'calibration-warning'; warning: string }
  /** what --keep-float decided: the report's `keepFloat` */
  | { code: 'keep-float' }
  | { code: 'requantized'; operators: number }
  | { code: 'int8-io'; kind: 'input' | 'output'; name: string; scale: number; zeroPoint: number }
  | { code: 'beyond-float16'; tensor: string; max: number }
  | { code: 'qdq-params' };

/**
 * Which TFLite operators run in int8 and what their int8 kernels require of the quantization
 * params (TFLite's 8-bit quantization spec, per-op restrictions):
 * - `weighted`: a constant filter quantized symmetric (per channel along `weightAxis`, or per tensor),
 *   an int32 bias with scale input_scale x filter_scale; output params from its calibrated range;
 * - `own`: output params from its calibrated range, inputs as they are;
 * - `same`: the output keeps its input's scale and zero point (the kernel moves bytes or picks
 *   among them: pooling, reshapes, slicing, padding, resizing);
 * - `tied`: every input must have the output's scale and zero point (CONCATENATION, MAXIMUM,
 *   MINIMUM): inputs with other params are requantized;
 * - `fixed`: the output scale and zero point are fixed by the kernel (LOGISTIC, SOFTMAX: 1/256 and
 *   -128; TANH: 1/128 and 0).
 * Every other operator stays float32 between DEQUANTIZE and QUANTIZE, with the reason listed.
 * `version` is the operator version the int8 kernel is registered under.
 */
import type { BuiltinOpName } from '../tflite/schema.js';

export type Int8Rule =
  | { kind: 'weighted'; weightAxis: number | undefined; version: number }
  | { kind: 'own' | 'same' | 'tied'; version: number }
  | { kind: 'fixed'; scale: number; zeroPoint: number; version: number };

export const INT8_RULES: Partial<Record<BuiltinOpName, Int8Rule>> = {
  // filter [O, H, W, I]: one scale per output channel (dimension 0)
  CONV_2D: { kind: 'weighted', weightAxis: 0, version: 3 },
  // filter [1, H, W, O]: one scale per output channel (dimension 3)
  DEPTHWISE_CONV_2D: { kind: 'weighted', weightAxis: 3, version: 3 },
  // per-tensor filter: the int8 FULLY_CONNECTED kernels of every runtime take it
  FULLY_CONNECTED: { kind: 'weighted', weightAxis: undefined, version: 4 },
  ADD: { kind: 'own', version: 2 },
  SUB: { kind: 'own', version: 2 },
  MUL: { kind: 'own', version: 2 },
  MEAN: { kind: 'own', version: 2 },
  SUM: { kind: 'own', version: 2 },
  HARD_SWISH: { kind: 'own', version: 1 },
  LEAKY_RELU: { kind: 'own', version: 2 },
  RELU: { kind: 'own', version: 2 },
  RELU6: { kind: 'own', version: 2 },
  RELU_N1_TO_1: { kind: 'own', version: 2 },
  PRELU: { kind: 'own', version: 1 },
  GELU: { kind: 'own', version: 2 },
  MAX_POOL_2D: { kind: 'same', version: 2 },
  AVERAGE_POOL_2D: { kind: 'same', version: 2 },
  RESHAPE: { kind: 'same', version: 1 },
  SQUEEZE: { kind: 'same', version: 1 },
  TRANSPOSE: { kind: 'same', version: 2 },
  PAD: { kind: 'same', version: 2 },
  PADV2: { kind: 'same', version: 2 },
  SLICE: { kind: 'same', version: 2 },
  STRIDED_SLICE: { kind: 'same', version: 2 },
  SPLIT: { kind: 'same', version: 2 },
  SPLIT_V: { kind: 'same', version: 2 },
  GATHER: { kind: 'same', version: 2 },
  RESIZE_BILINEAR: { kind: 'same', version: 2 },
  RESIZE_NEAREST_NEIGHBOR: { kind: 'same', version: 2 },
  REDUCE_MAX: { kind: 'same', version: 2 },
  REDUCE_MIN: { kind: 'same', version: 2 },
  CONCATENATION: { kind: 'tied', version: 2 },
  MAXIMUM: { kind: 'tied', version: 2 },
  MINIMUM: { kind: 'tied', version: 2 },
  LOGISTIC: { kind: 'fixed', scale: 1 / 256, zeroPoint: -128, version: 2 },
  SOFTMAX: { kind: 'fixed', scale: 1 / 256, zeroPoint: -128, version: 2 },
  TANH: { kind: 'fixed', scale: 1 / 128, zeroPoint: 0, version: 2 },
};

/** Why an operator the float converter writes stays float32 in an int8 model. */
export const FLOAT_REASONS: Partial<Record<BuiltinOpName, string>> = {
  DIV: "TFLite's DIV has no int8 kernel (uint8 only)",
  BATCH_MATMUL: 'int8 BATCH_MATMUL (run-time operands on both sides) is not implemented by this quantizer',
  TRANSPOSE_CONV: 'int8 TRANSPOSE_CONV is not implemented by this quantizer',
  EXP: 'int8 EXP is not implemented by this quantizer',
  SQRT: "TFLite's SQRT has no int8 kernel",
  RSQRT: 'int8 RSQRT is not implemented by this quantizer',
  POW: "TFLite's POW has no int8 kernel",
  SQUARED_DIFFERENCE: 'int8 SQUARED_DIFFERENCE is not implemented by this quantizer',
  SQUARE: "TFLite's SQUARE has no int8 kernel",
  ABS: 'int8 ABS is not implemented by this quantizer',
  NEG: 'int8 NEG is not implemented by this quantizer',
  ELU: 'int8 ELU is not implemented by this quantizer',
  SELECT_V2: 'int8 SELECT_V2 is not implemented by this quantizer',
  TILE: 'int8 TILE is not implemented by this quantizer',
  BROADCAST_TO: 'int8 BROADCAST_TO is not implemented by this quantizer',
  CAST: 'CAST converts between non-float types and is left as it is',
};

export function floatReason(op: BuiltinOpName): string {
  return FLOAT_REASONS[op] ?? `int8 ${op} is not implemented by this quantizer`;
}

/** Operator versions of the (de)quantize ops: float32 -> int8 and int8 -> int8 QUANTIZE, int8 DEQUANTIZE. */
export const QUANTIZE_VERSION = 1;
export const REQUANTIZE_VERSION = 2;
export const DEQUANTIZE_VERSION = 2;

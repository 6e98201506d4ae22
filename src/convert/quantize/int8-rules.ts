/**
 * Which TFLite operators run in int8 and what their int8 kernels require of the quantization
 * params (TFLite's 8-bit quantization spec, per-op restrictions):
 * - `weighted`: a constant filter quantized symmetric (per channel along `weightAxis`, or per tensor),
 *   an int32 bias with scale input_scale x filter_scale; output params from its calibrated range;
 * - `own`: output params from its calibrated range, inputs as they are (`runTimeOperands`: only when
 *   every float input is computed at run time; a constant operand keeps the operator float);
 * - `same`: the output keeps its input's scale and zero point (the kernel moves bytes or picks
 *   among them: pooling, reshapes, slicing, padding, resizing);
 * - `tied`: every input must have the output's scale and zero point (CONCATENATION, MAXIMUM,
 *   MINIMUM): inputs with other params are requantized;
 * - `fixed`: the output scale and zero point are fixed by the kernel (LOGISTIC, SOFTMAX: 1/256 and
 *   -128; TANH: 1/128 and 0).
 * Every other operator stays float32 between DEQUANTIZE and QUANTIZE, with the reason listed.
 * Operator versions are not listed here: tflite/op-version.ts sets them from each operator's
 * signature as TensorFlow's converter does.
 */
import type { BuiltinOpName } from '../tflite/schema.js';
import type { FloatReason } from './decisions.js';

export type Int8Rule =
  | { kind: 'weighted'; weightAxis: number | undefined }
  | { kind: 'own'; runTimeOperands?: true }
  | { kind: 'same' }
  | { kind: 'tied'; clamp?: true }
  | { kind: 'fixed'; scale: number; zeroPoint: number };

export const INT8_RULES: Partial<Record<BuiltinOpName, Int8Rule>> = {
  // filter [O, H, W, I]: one scale per output channel (dimension 0)
  CONV_2D: { kind: 'weighted', weightAxis: 0 },
  // filter [1, H, W, O]: one scale per output channel (dimension 3)
  DEPTHWISE_CONV_2D: { kind: 'weighted', weightAxis: 3 },
  // filter [O, I]: one scale per output channel (dimension 0), as TensorFlow 2.20's int8 files hold them
  // (version 4 either way: op_version.cc reads per-channel only for the hybrid kernel). Measured on
  // swin_v2_t (random weights): weight SQNR 39.5 -> 42.8 dB, the int8 model's output 29.6 -> 30.4 dB
  FULLY_CONNECTED: { kind: 'weighted', weightAxis: 0 },
  ADD: { kind: 'own' },
  SUB: { kind: 'own' },
  MUL: { kind: 'own' },
  MEAN: { kind: 'own' },
  SUM: { kind: 'own' },
  HARD_SWISH: { kind: 'own' },
  LEAKY_RELU: { kind: 'own' },
  RELU: { kind: 'own' },
  RELU6: { kind: 'own' },
  RELU_N1_TO_1: { kind: 'own' },
  PRELU: { kind: 'own' },
  GELU: { kind: 'own' },
  // 1/sqrt(x) by table on int8 (elementwise.cc): LayerNorm's inverse standard deviation
  RSQRT: { kind: 'own' },
  // both operands int8 per tensor, int32 accumulation rescaled to the output (batch_matmul.cc):
  // attention's Q.K^T and softmax.V; a constant operand would be a weight this quantizer does not lay out
  BATCH_MATMUL: { kind: 'own', runTimeOperands: true },
  MAX_POOL_2D: { kind: 'same' },
  AVERAGE_POOL_2D: { kind: 'same' },
  RESHAPE: { kind: 'same' },
  SQUEEZE: { kind: 'same' },
  TRANSPOSE: { kind: 'same' },
  PAD: { kind: 'same' },
  PADV2: { kind: 'same' },
  SLICE: { kind: 'same' },
  STRIDED_SLICE: { kind: 'same' },
  SPLIT: { kind: 'same' },
  SPLIT_V: { kind: 'same' },
  GATHER: { kind: 'same' },
  RESIZE_BILINEAR: { kind: 'same' },
  RESIZE_NEAREST_NEIGHBOR: { kind: 'same' },
  REDUCE_MAX: { kind: 'same' },
  REDUCE_MIN: { kind: 'same' },
  CONCATENATION: { kind: 'tied' },
  // a clamp: its constant bound is what the operator is for, so it must survive the output's grid
  MAXIMUM: { kind: 'tied', clamp: true },
  MINIMUM: { kind: 'tied', clamp: true },
  LOGISTIC: { kind: 'fixed', scale: 1 / 256, zeroPoint: -128 },
  SOFTMAX: { kind: 'fixed', scale: 1 / 256, zeroPoint: -128 },
  TANH: { kind: 'fixed', scale: 1 / 128, zeroPoint: 0 },
};

/**
 * Operators the float converter writes whose TFLite kernels take no int8 (DIV has a uint8 one); every
 * other operator without an int8 rule (TRANSPOSE_CONV, EXP, SQUARED_DIFFERENCE, ABS, NEG, ELU,
 * SELECT_V2, TILE, BROADCAST_TO, ...) has an int8 kernel this quantizer does not use yet.
 */
const NO_INT8_KERNEL: Partial<Record<BuiltinOpName, { uint8Kernel?: true }>> = { DIV: { uint8Kernel: true }, SQRT: {}, POW: {}, SQUARE: {} };

/** Why an operator without an int8 rule stays float32 in an int8 model. */
export function floatReason(op: BuiltinOpName): FloatReason {
  // CAST converts between non-float types: nothing to quantize
  if (op === 'CAST') return { code: 'cast-left-as-is' };
  const noKernel = NO_INT8_KERNEL[op];
  return noKernel ? { code: 'no-int8-kernel', op, ...noKernel } : { code: 'int8-not-implemented', op };
}

/**
 * Operators kept float because of where they sit (row-norm.ts finds them), with why. Measured on
 * vit_b_16 (random weights, scripts/int8-scan.mjs): the class token (rms 0.14) shares the residual
 * stream's per-tensor int8 step with the patch tokens (rms 1, step 0.031), so it enters at 24 dB against
 * 36 dB for the patches; LayerNorm then scales that row up to rms 1 with its error, and the logits, read
 * off the class token alone, end at 17 dB. With the normalizations and the residual stream float the
 * same int8 model reaches 24.5 dB (8 calibration / 6 held-out inputs), and 29.2 dB with the coarse SOFTMAX
 * float too (SOFTMAX_MIN_OUTPUT_MAX); at the zoo table's 30 / 30: agreement 0.67 -> 0.87, 17.2 -> 29.3 dB.
 * Only the normalizations float (residual int8): 17.4 dB; only the residual stream: 21.0 dB.
 */
export const FLOAT_BY_PLACE = {
  /** part of a LayerNorm: it scales each row to unit variance, so a small row keeps its input's per-tensor step's relative error */
  rowNormalization: { code: 'row-normalization' } satisfies FloatReason,
  /** only float operators read it (the residual stream into a float LayerNorm): int8 would add a rounding and save nothing */
  feedsFloat: { code: 'residual-stream-into-float-layernorm' } satisfies FloatReason,
  /** the operators the residual stream is made of, kept float backwards from a float LayerNorm */
  feedsFloatOps: ['ADD', 'CONCATENATION'] as readonly BuiltinOpName[],
};

/**
 * int8 SOFTMAX writes on the fixed step 1/256 (zero point -128). When its calibrated outputs stay under
 * this bound (a quarter: 64 of the 256 levels), near-uniform rows (a random ViT's 197 keys, ~1/197
 * each: one or two steps) lose most of their precision; the float SOFTMAX's output, quantized at its own
 * calibrated range for the BATCH_MATMUL that reads it, keeps it.
 */
export const SOFTMAX_MIN_OUTPUT_MAX = 0.25;

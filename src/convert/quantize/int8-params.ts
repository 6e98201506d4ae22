/**
 * The arithmetic of TFLite's int8 scheme (quantization_spec: real = (q - zero_point) x scale):
 * activations per-tensor asymmetric in [-128, 127] with a zero point in that range; weights
 * symmetric in [-127, 127] with zero point 0 (weights.ts); biases int32 with scale =
 * input_scale x weight_scale and zero point 0.
 */

export interface QuantParams {
  scale: number[];
  zeroPoint: number[];
  /** the axis the scales run along (per-channel tensors only) */
  quantizedDimension?: number;
}

export const INT8_MIN = -128;
export const INT8_MAX = 127;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** a range narrower than this (a constant-zero tensor) still gets a usable, positive scale */
const MIN_SPAN = 1e-8;

/**
 * Per-tensor asymmetric int8 params for values in [min, max]. The range is widened to hold 0
 * (zero must be exact: padding and ReLU produce it) and the zero point is the rounded, clamped
 * -128 - min / scale ("nudged" as TFLite's tooling does, so 0.0 maps to an integer).
 */
export function activationParams(min: number, max: number): QuantParams {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  // the file stores float32 scales: derive the zero point from the value the runtime reads back
  const scale = Math.fround(Math.max(hi - lo, MIN_SPAN) / (INT8_MAX - INT8_MIN));
  const zp = Math.round(INT8_MIN - lo / scale);
  return { scale: [scale], zeroPoint: [Math.min(INT8_MAX, Math.max(INT8_MIN, zp))] };
}

export function sameParams(a: QuantParams, b: QuantParams): boolean {
  return a.scale.length === b.scale.length && a.scale.every((s, i) => s === b.scale[i] && a.zeroPoint[i] === b.zeroPoint[i]);
}

/** Quantizes float values with per-tensor params into int8 (round half away from zero, clamped). */
export function quantizeValues(values: ArrayLike<number>, p: QuantParams): Int8Array {
  const s = p.scale[0]!;
  const zp = p.zeroPoint[0]!;
  const out = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.min(INT8_MAX, Math.max(INT8_MIN, roundAway(values[i]! / s) + zp));
  return out;
}

/** round half away from zero, as TF's quantizer (std::round) does; Math.round rounds -63.5 to -63 */
export function roundAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** int32 bias: scale_c = input_scale x weight_scale_c (one per output channel), zero point 0. */
export function quantizeBias(values: ArrayLike<number>, inputScale: number, weightScales: readonly number[]): { data: Int32Array; params: QuantParams } {
  const perChannel = weightScales.length > 1;
  const scale = (perChannel ? weightScales.map((s) => inputScale * s) : [inputScale * weightScales[0]!]).map(Math.fround);
  const data = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = roundAway(values[i]! / scale[perChannel ? i : 0]!);
    data[i] = Math.min(INT32_MAX, Math.max(INT32_MIN, q));
  }
  return { data, params: { scale, zeroPoint: new Array<number>(scale.length).fill(0), ...(perChannel ? { quantizedDimension: 0 } : {}) } };
}

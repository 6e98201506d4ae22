/**
 * Weight quantization arithmetic shared by the passes: symmetric int8 (zero point 0, range [-127, 127],
 * scale = max|w| / 127), per channel along one axis or per tensor, as TFLite's hybrid and integer
 * kernels expect (they require zero point 0 for weights; -128 is left unused so that -w stays
 * representable, as TF's quantizer does).
 */
import { forEachChannelRun } from '../channel-runs.js';

export interface QuantizedWeights {
  values: Int8Array;
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

/** round half away from zero (TF's quantizer uses std::round) */
function roundAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * Symmetric int8 of `values` (shape `shape`, row-major): one scale per slice along `axis`, or one for the
 * whole tensor when `axis` is undefined. An all-zero slice gets scale 1 (any positive scale gives 0).
 */
export function symmetricInt8(values: ArrayLike<number>, shape: readonly number[], axis?: number): QuantizedWeights {
  const channels = axis === undefined ? 1 : shape[axis]!;
  const inner = axis === undefined ? values.length : shape.slice(axis + 1).reduce((a, d) => a * d, 1);
  const channelOf = (i: number) => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    const c = channelOf(i);
    if (a > maxAbs[c]!) maxAbs[c] = a;
  }
  const scale = Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  // the file stores float32 scales: quantize with the value the runtime will read back
  const scale32 = Float32Array.from(scale);
  const out = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = roundAway(values[i]! / scale32[channelOf(i)]!);
    out[i] = Math.max(-127, Math.min(127, q));
  }
  return { values: out, scale: Array.from(scale32), zeroPoint: new Array<number>(channels).fill(0), quantizedDimension: axis ?? 0 };
}

/** Given int8 params (a quantized model's own): one scale per slice along `axis`, or one for the whole tensor. */
export interface GivenScales {
  scale: number[];
  zeroPoint: number[];
}

/** The axis the given scales run along: none for a single scale (whatever axis the caller names). */
const givenAxis = (axis: number | undefined, p: GivenScales): number | undefined => (p.scale.length === 1 ? undefined : axis ?? 0);

/**
 * Whether float `values` (made by dequantizing int8 data with `p`) are still exactly int8 values at `p`:
 * within 1e-3 of an integer in [-128, 127] (dequantizing rounds to float32, so not bit-exact).
 */
export function onGivenGrid(values: ArrayLike<number>, shape: readonly number[], axis: number | undefined, p: GivenScales): boolean {
  let onGrid = true;
  const fits = forEachChannelRun(values.length, shape, givenAxis(axis, p), p.scale.length, (first, end, c) => {
    const scale = p.scale[c]!;
    const zeroPoint = p.zeroPoint[c]!;
    for (let i = first; i < end && onGrid; i++) {
      const v = values[i]! / scale + zeroPoint;
      const r = Math.round(v);
      if (Math.abs(v - r) > 1e-3 || r < -128 || r > 127) onGrid = false;
    }
  });
  return fits && onGrid;
}

/** The int8 data of float `values` on the given grid (check onGivenGrid first). */
export function givenInt8(values: ArrayLike<number>, shape: readonly number[], axis: number, p: GivenScales): QuantizedWeights {
  const out = new Int8Array(values.length);
  const fits = forEachChannelRun(values.length, shape, givenAxis(axis, p), p.scale.length, (first, end, c) => {
    const scale = p.scale[c]!;
    const zeroPoint = p.zeroPoint[c]!;
    for (let i = first; i < end; i++) out[i] = Math.round(values[i]! / scale + zeroPoint);
  });
  if (!fits) throw new Error(`internal: ${p.scale.length} scales for dimension ${axis} of [${shape.join(',')}]`);
  return { values: out, scale: [...p.scale], zeroPoint: [...p.zeroPoint], quantizedDimension: axis };
}

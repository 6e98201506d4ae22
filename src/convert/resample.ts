/**
 * Resize sampling along one axis, as taps: each output position reads K input indices with K weights.
 * ONNX's taps follow the Resize spec (coordinate_transformation_mode, nearest_mode, linear, cubic with
 * cubic_coeff_a / exclude_outside), computed in float32 as onnxruntime does; TFLite's taps follow
 * RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR (align_corners, half_pixel_centers, float32). Comparing the
 * two tells whether a native TFLite resize samples exactly like the ONNX node.
 */
import { refuse } from './ir.js';

const f = Math.fround;

export interface AxisTaps {
  /** [K][O] input indices (already clamped into [0, L-1]) */
  indices: number[][];
  /** [K][O] weights */
  weights: number[][];
}

export type ResizeMode = 'nearest' | 'linear' | 'cubic';

export interface AxisSpec {
  mode: ResizeMode;
  ctm: string;
  nearestMode: string;
  cubicA: number;
  excludeOutside: boolean;
  /** input and output length */
  inLen: number;
  outLen: number;
  /** the scale the coordinates use: the given scale, or outLen / inLen when sizes are given (float32) */
  scale: number;
}

export const COORDINATE_MODES = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'] as const;

/** The input coordinate of output position x (ONNX Resize, float32 arithmetic). */
export function onnxCoordinate(x: number, s: AxisSpec): number {
  const { inLen: L, outLen: O, scale } = s;
  switch (s.ctm) {
    case 'half_pixel': return f(f(f(x + 0.5) / scale) - 0.5);
    case 'half_pixel_symmetric': {
      const adjustment = f(O / f(scale * L));
      const offset = f(f(L / 2) * f(1 - adjustment));
      return f(offset + f(f(f(x + 0.5) / scale) - 0.5));
    }
    case 'pytorch_half_pixel': return O > 1 ? f(f(f(x + 0.5) / scale) - 0.5) : 0;
    case 'align_corners': return O === 1 ? 0 : f(f(x * (L - 1)) / (O - 1));
    case 'asymmetric': return f(x / scale);
    case 'tf_half_pixel_for_nn': return f(f(x + 0.5) / scale);
    default: refuse('attr-unsupported', { attr: 'coordinate_transformation_mode', value: s.ctm });
  }
}

function roundNearest(x: number, mode: string): number {
  const fl = Math.floor(x);
  const tie = x - fl === 0.5;
  switch (mode) {
    case 'round_prefer_floor': return tie ? fl : Math.round(x);
    case 'round_prefer_ceil': return tie ? fl + 1 : Math.round(x);
    case 'floor': return fl;
    case 'ceil': return Math.ceil(x);
    default: refuse('attr-unsupported', { attr: 'nearest_mode', value: mode });
  }
}

const clampIndex = (i: number, L: number) => Math.min(Math.max(i, 0), L - 1);

/** Keys' cubic convolution weights for taps at i-1, i, i+1, i+2 where t = x - i (a = cubic_coeff_a). */
function cubicWeights(t: number, a: number): number[] {
  const far = (d: number) => ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; // 1 <= d < 2
  const near = (d: number) => ((a + 2) * d - (a + 3)) * d * d + 1; // 0 <= d < 1
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/** ONNX Resize taps along one axis. */
export function onnxTaps(s: AxisSpec): AxisTaps {
  const { inLen: L, outLen: O } = s;
  const K = s.mode === 'nearest' ? 1 : s.mode === 'linear' ? 2 : 4;
  const indices = Array.from({ length: K }, () => new Array<number>(O));
  const weights = Array.from({ length: K }, () => new Array<number>(O));
  for (let o = 0; o < O; o++) {
    const x = onnxCoordinate(o, s);
    if (s.mode === 'nearest') {
      indices[0]![o] = clampIndex(roundNearest(x, s.nearestMode), L);
      weights[0]![o] = 1;
    } else if (s.mode === 'linear') {
      const c = Math.min(Math.max(x, 0), L - 1);
      const i0 = Math.floor(c);
      const w1 = c - i0;
      indices[0]![o] = i0; weights[0]![o] = 1 - w1;
      indices[1]![o] = Math.min(i0 + 1, L - 1); weights[1]![o] = w1;
    } else {
      const i = Math.floor(x);
      const w = cubicWeights(x - i, s.cubicA);
      const at = [i - 1, i, i + 1, i + 2];
      if (s.excludeOutside) {
        at.forEach((j, k) => { if (j < 0 || j >= L) w[k] = 0; });
        const sum = w.reduce((p, v) => p + v, 0);
        w.forEach((v, k) => (w[k] = v / sum));
      }
      at.forEach((j, k) => { indices[k]![o] = clampIndex(j, L); weights[k]![o] = w[k]!; });
    }
  }
  return { indices, weights };
}

export type TfliteResizeOp = 'RESIZE_NEAREST_NEIGHBOR' | 'RESIZE_BILINEAR';

/** TFLite's taps for RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR with the given flags (float32 arithmetic). */
export function tfliteTaps(op: TfliteResizeOp, alignCorners: boolean, halfPixel: boolean, L: number, O: number): AxisTaps {
  const scale = alignCorners && O > 1 ? f((L - 1) / (O - 1)) : f(L / O);
  const indices: number[][] = op === 'RESIZE_NEAREST_NEIGHBOR' ? [[]] : [[], []];
  const weights: number[][] = op === 'RESIZE_NEAREST_NEIGHBOR' ? [[]] : [[], []];
  for (let o = 0; o < O; o++) {
    if (op === 'RESIZE_NEAREST_NEIGHBOR') {
      const p = f(f(o + (halfPixel ? 0.5 : 0)) * scale);
      // align_corners rounds half away from zero (p >= 0 here), otherwise floor
      let i = Math.min(alignCorners ? Math.floor(p + 0.5) : Math.floor(p), L - 1);
      if (halfPixel) i = Math.max(0, i);
      indices[0]![o] = i; weights[0]![o] = 1;
    } else {
      const p = halfPixel ? f(f(f(o + 0.5) * scale) - 0.5) : f(o * scale);
      const lower = Math.max(Math.floor(p), 0);
      const upper = Math.min(Math.ceil(p), L - 1);
      const lerp = f(p - Math.floor(p));
      indices[0]![o] = lower; weights[0]![o] = 1 - lerp;
      indices[1]![o] = upper; weights[1]![o] = lerp;
    }
  }
  return { indices, weights };
}

/** True when both tap sets give every output the same weight on every input index (within `tol`). */
export function sameSampling(a: AxisTaps, b: AxisTaps, L: number, tol: number): boolean {
  const O = a.indices[0]!.length;
  if (b.indices[0]!.length !== O) return false;
  const dense = (t: AxisTaps, o: number) => {
    const w = new Float64Array(L);
    t.indices.forEach((idx, k) => (w[idx[o]!]! += t.weights[k]![o]!));
    return w;
  };
  for (let o = 0; o < O; o++) {
    const x = dense(a, o);
    const y = dense(b, o);
    for (let i = 0; i < L; i++) if (Math.abs(x[i]! - y[i]!) > tol) return false;
  }
  return true;
}

/** True when the taps read input o for output o with weight 1 (the axis is not resampled). */
export function isIdentity(t: AxisTaps, L: number): boolean {
  const O = t.indices[0]!.length;
  if (O !== L) return false;
  const id: AxisTaps = { indices: [Array.from({ length: O }, (_, o) => o)], weights: [new Array<number>(O).fill(1)] };
  return sameSampling(t, id, L, 0);
}

export interface ResizePlan {
  outShape: number[];
  /** per axis: its taps, or undefined when the axis keeps its size and samples itself */
  taps: (AxisTaps | undefined)[];
  /** set when one TFLite resize op (4-D NCHW, spatial axes only) samples exactly like the taps */
  native?: { op: TfliteResizeOp; alignCorners: boolean; halfPixel: boolean };
}

/** TFLite flag combinations a native resize may take, nearest first. */
const NATIVE: { op: TfliteResizeOp; alignCorners: boolean; halfPixel: boolean }[] = [
  { op: 'RESIZE_NEAREST_NEIGHBOR', alignCorners: false, halfPixel: false },
  { op: 'RESIZE_NEAREST_NEIGHBOR', alignCorners: false, halfPixel: true },
  { op: 'RESIZE_NEAREST_NEIGHBOR', alignCorners: true, halfPixel: false },
  { op: 'RESIZE_BILINEAR', alignCorners: false, halfPixel: false },
  { op: 'RESIZE_BILINEAR', alignCorners: false, halfPixel: true },
  { op: 'RESIZE_BILINEAR', alignCorners: true, halfPixel: false },
];

/** Taps for every axis of `x` resized to `outShape`, and the native TFLite op that samples the same, if any. */
export function samplingPlan(x: number[], outShape: number[], scales: number[], how: Omit<AxisSpec, 'inLen' | 'outLen' | 'scale'>): ResizePlan {
  const taps = x.map((L, i) => {
    const t = onnxTaps({ ...how, inLen: L, outLen: outShape[i]!, scale: scales[i]! });
    return isIdentity(t, L) ? undefined : t;
  });
  const p: ResizePlan = { outShape, taps };
  if (x.length === 4 && !taps[0] && !taps[1] && (taps[2] || taps[3])) {
    const axisTaps = (i: number): AxisTaps => taps[i] ?? { indices: [Array.from({ length: x[i]! }, (_, o) => o)], weights: [new Array<number>(x[i]!).fill(1)] };
    p.native = NATIVE.find((c) => [2, 3].every((i) => sameSampling(tfliteTaps(c.op, c.alignCorners, c.halfPixel, x[i]!, outShape[i]!), axisTaps(i), x[i]!, 1e-6)));
  }
  return p;
}

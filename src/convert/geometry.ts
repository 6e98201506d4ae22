/**
 * Conv / ConvTranspose / pooling geometry in one place: ONNX pads (explicit, auto_pad), output sizes
 * (floor and ceil_mode), TFLite SAME/VALID decisions, and the per-position window counts an average
 * pool divides by. Plain arithmetic over numbers; the lowerings turn its answers into operators.
 */
import { refuse } from './ir.js';

/** TFLite SAME padding for one spatial dim: total split with the extra pixel at the end. */
export function samePads(n: number, k: number, s: number, d: number): [number, number] {
  const kEff = (k - 1) * d + 1;
  const total = Math.max((Math.ceil(n / s) - 1) * s + kEff - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export interface SpatialAttrs {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [begin..., end...] as in ONNX */
  pads: number[];
}

/** Reads auto_pad/pads/strides/dilations of a conv or pool and resolves explicit pads. */
export function spatialAttrs(inHW: number[], kernel: number[], get: {
  ints: (name: string) => number[] | undefined;
  str: (name: string, d: string) => string;
}): SpatialAttrs {
  const rank = kernel.length;
  const stridesA = get.ints('strides') ?? new Array<number>(rank).fill(1);
  const dilations = get.ints('dilations') ?? new Array<number>(rank).fill(1);
  if (stridesA.length !== rank || dilations.length !== rank) refuse('count-mismatch', stridesA.length !== rank ? { what: 'strides', count: stridesA.length, expected: rank, basis: 'kernel-rank' } : { what: 'dilations', count: dilations.length, expected: rank, basis: 'kernel-rank' });
  if (stridesA.some((x) => x < 1)) refuse('values-invalid', { what: 'strides', values: stridesA, need: 'at-least-1' });
  if (dilations.some((x) => x < 1)) refuse('values-invalid', { what: 'dilations', values: dilations, need: 'at-least-1' });
  const autoPad = get.str('auto_pad', 'NOTSET');
  let pads: number[];
  if (autoPad === 'NOTSET') {
    pads = get.ints('pads') ?? new Array<number>(2 * rank).fill(0);
    if (pads.length !== 2 * rank) refuse('count-mismatch', { what: 'pads', count: pads.length, expected: 2 * rank, basis: 'kernel-rank-pairs' });
    if (pads.some((p) => p < 0)) refuse('negative-pads', { pads });
  } else if (autoPad === 'VALID') {
    pads = new Array<number>(2 * rank).fill(0);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const b: number[] = [];
    const e: number[] = [];
    for (let i = 0; i < rank; i++) {
      const [x, y] = samePads(inHW[i]!, kernel[i]!, stridesA[i]!, dilations[i]!);
      // SAME_LOWER puts the odd pixel at the beginning
      if (autoPad === 'SAME_UPPER') { b.push(x); e.push(y); } else { b.push(y); e.push(x); }
    }
    pads = [...b, ...e];
  } else refuse('attr-unsupported', { attr: 'auto_pad', value: autoPad, supported: 'NOTSET, VALID, SAME_UPPER or SAME_LOWER' });
  // a stride beyond the padded extent places one window whatever its value; TFLite's int32 size arithmetic
  // overflows near 2^31 (a stride of 2^31-1 gave wrong numbers), so it is written as that extent
  const strides = stridesA.map((s, i) => Math.min(s, Math.max(1, inHW[i]! + pads[i]! + pads[i + rank]!)));
  return { kernel, strides, dilations, pads };
}

export function outSize(n: number, k: number, s: number, d: number, pb: number, pe: number, ceil = false): number {
  const kEff = (k - 1) * d + 1;
  const x = (n + pb + pe - kEff) / s;
  return (ceil ? Math.ceil(x) : Math.floor(x)) + 1;
}

export type PaddingChoice =
  | { mode: 'SAME' | 'VALID' }
  | { mode: 'EXPLICIT'; pads: number[] };

/** True when `pads` ([begin..., end...]) are exactly TFLite's SAME split for these windows. */
export function isSame(inHW: number[], a: Pick<SpatialAttrs, 'kernel' | 'strides' | 'dilations'>, pads: number[]): boolean {
  const rank = a.kernel.length;
  for (let i = 0; i < rank; i++) {
    const [b, e] = samePads(inHW[i]!, a.kernel[i]!, a.strides[i]!, a.dilations[i]!);
    if (pads[i] !== b || pads[i + rank] !== e) return false;
  }
  return true;
}

/** SAME when ONNX pads equal TFLite's SAME split, VALID when all zero, else an explicit PAD + VALID. */
export function choosePadding(inHW: number[], a: SpatialAttrs): PaddingChoice {
  if (a.pads.every((p) => p === 0)) return { mode: 'VALID' };
  return isSame(inHW, a, a.pads) ? { mode: 'SAME' } : { mode: 'EXPLICIT', pads: a.pads };
}

// ---- pooling ----

export interface PoolGeometry {
  /** 2-D attributes (a 1-D pool is normalised to [1, L] by the caller) */
  sp: SpatialAttrs;
  /** input spatial size */
  inHW: number[];
  /** output spatial size (ceil_mode applied) */
  outHW: number[];
  /**
   * pads the pooled input needs so VALID windows give `outHW`: ONNX's pads, with ceil_mode's extra
   * end rows/columns added to the end pads ([begin..., end...])
   */
  pads: number[];
  /** the end pads ceil_mode added beyond ONNX's pads ([h, w]) */
  ceilExtra: number[];
}

/**
 * Output size and effective pads of a pool. ceil_mode keeps a last window that overhangs the end
 * padding; as in PyTorch and onnxruntime, a window starting inside the end padding is dropped, a case
 * runtimes have disagreed on, so it is refused rather than guessed.
 */
export function poolGeometry(inHW: number[], sp: SpatialAttrs, ceil: boolean): PoolGeometry {
  const r = sp.kernel.length;
  const outHW: number[] = [];
  const ceilExtra: number[] = [];
  for (let i = 0; i < r; i++) {
    const [n, k, s, d, pb, pe] = [inHW[i]!, sp.kernel[i]!, sp.strides[i]!, sp.dilations[i]!, sp.pads[i]!, sp.pads[i + r]!];
    if (pb >= (k - 1) * d + 1 || pe >= (k - 1) * d + 1) refuse('pads-exceed-window', { pads: sp.pads, window: (k - 1) * d + 1 });
    const o = outSize(n, k, s, d, pb, pe, ceil);
    if (o < 1) refuse('empty-output');
    if (ceil && (o - 1) * s >= n + pb) refuse('ceil-mode-end-window');
    outHW.push(o);
    ceilExtra.push(Math.max(0, (o - 1) * s + (k - 1) * d + 1 - (n + pb + pe)));
  }
  const pads = [...sp.pads.slice(0, r), ...sp.pads.slice(r).map((p, i) => p + ceilExtra[i]!)];
  return { sp, inHW, outHW, pads, ceilExtra };
}

/**
 * How many elements each average-pool window divides by, per output position (row-major [oh, ow]):
 * with count_include_pad the window clipped to the padded input (ONNX pads, not ceil_mode's extra),
 * without it the window clipped to the input itself.
 */
export function poolDivisors(g: PoolGeometry, countIncludePad: boolean): Float64Array {
  const r = g.sp.kernel.length;
  const axis = (i: number): number[] => {
    const [n, k, s, pb, pe] = [g.inHW[i]!, g.sp.kernel[i]!, g.sp.strides[i]!, g.sp.pads[i]!, g.sp.pads[i + r]!];
    const [lo, hi] = countIncludePad ? [-pb, n + pe] : [0, n];
    return Array.from({ length: g.outHW[i]! }, (_, o) => {
      const start = o * s - pb;
      return Math.min(start + k, hi) - Math.max(start, lo);
    });
  };
  const [h, w] = r === 2 ? [axis(0), axis(1)] : [[1], axis(0)];
  const out = new Float64Array(h.length * w.length);
  h.forEach((a, y) => w.forEach((b, x) => (out[y * w.length + x] = a * b)));
  return out;
}

// ---- transposed convolution ----

export interface TransposeConvGeometry {
  /** ONNX output spatial size */
  out: number[];
  /** rows/columns of the full transposed convolution cropped from the start */
  cropBegin: number[];
  /** size of the full result to compute: (in - 1) * s + effective kernel, grown when the output reaches past it */
  full: number[];
}

/**
 * ConvTranspose output size and pads (ONNX spec): explicit pads, or pads derived from output_shape /
 * auto_pad (SAME_UPPER puts the odd pad at the end, SAME_LOWER and output_shape at the start).
 * output_padding and an output_shape past the full result add end rows that only the bias reaches.
 */
export function transposeConvGeometry(a: {
  inHW: number[]; kernel: number[]; strides: number[]; dilations: number[];
  pads?: number[]; outputPadding: number[]; outputShape?: number[]; autoPad: string;
}): TransposeConvGeometry {
  const r = a.kernel.length;
  const out: number[] = [];
  const cropBegin: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < r; i++) {
    const [n, k, s, d, op] = [a.inHW[i]!, a.kernel[i]!, a.strides[i]!, a.dilations[i]!, a.outputPadding[i]!];
    if (op < 0 || (op >= s && op >= d)) refuse('output-padding', { value: op, stride: s, dilation: d });
    const base = (n - 1) * s + (k - 1) * d + 1;
    let begin: number;
    let o: number;
    if (a.outputShape || a.autoPad === 'SAME_UPPER' || a.autoPad === 'SAME_LOWER') {
      o = a.outputShape ? a.outputShape[i]! : n * s;
      const total = Math.max(0, base + op - o);
      const small = Math.floor(total / 2);
      begin = a.autoPad === 'SAME_UPPER' ? small : total - small;
    } else {
      if (a.autoPad !== 'NOTSET' && a.autoPad !== 'VALID') refuse('attr-unsupported', { attr: 'auto_pad', value: a.autoPad, supported: 'NOTSET, VALID, SAME_UPPER or SAME_LOWER' });
      const pads = a.autoPad === 'VALID' ? new Array<number>(2 * r).fill(0) : a.pads ?? new Array<number>(2 * r).fill(0);
      if (pads.length !== 2 * r) refuse('count-mismatch', { what: 'pads', count: pads.length, expected: 2 * r, basis: 'kernel-rank-pairs' });
      if (pads.some((p) => p < 0)) refuse('negative-pads', { pads });
      begin = pads[i]!;
      o = base + op - pads[i]! - pads[i + r]!;
    }
    if (o < 1) refuse('empty-output');
    out.push(o);
    cropBegin.push(begin);
    full.push(Math.max(base, begin + o));
  }
  return { out, cropBegin, full };
}

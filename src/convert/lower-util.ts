/** Helpers shared by the lowerings: broadcasting, padding arithmetic, constant math, activations. */
import { OnnxDataType } from '../onnx/model.js';
import { elementCount, isFloatType, type ConstTensor } from '../onnx/tensor.js';
import type { EmitContext } from './emit.js';
import { refuse, type IrNode } from './ir.js';
import { planReshape } from './layout.js';
import { Activation, type ActivationName } from './tflite/schema.js';

export function constOf(dtype: number, shape: number[], values: ArrayLike<number>): ConstTensor {
  const data = dtype === OnnxDataType.FLOAT || dtype === OnnxDataType.FLOAT16 || dtype === OnnxDataType.BFLOAT16
    ? new Float32Array(values) : new Float64Array(values);
  return { dtype, shape, data };
}

export function broadcastShapes(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) refuse(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Elementwise binary op on constants with numpy broadcasting. */
export function broadcastBinary(a: ConstTensor, b: ConstTensor, f: (x: number, y: number) => number, dtype = a.dtype): ConstTensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const n = elementCount(shape);
  const out = new Array<number>(n);
  const r = shape.length;
  const pa = [...new Array<number>(r - a.shape.length).fill(1), ...a.shape];
  const pb = [...new Array<number>(r - b.shape.length).fill(1), ...b.shape];
  const sa = strides(pa).map((s, i) => (pa[i] === 1 ? 0 : s));
  const sb = strides(pb).map((s, i) => (pb[i] === 1 ? 0 : s));
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < n; k++) {
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < r; i++) {
      ia += idx[i]! * sa[i]!;
      ib += idx[i]! * sb[i]!;
    }
    out[k] = f(a.data[ia]!, b.data[ib]!);
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return constOf(dtype, shape, out);
}

/** Rounds a float result into the constant's integer type when needed (shape math is integer). */
export function intResult(dtype: number, x: number): number {
  return isFloatType(dtype) ? x : Math.trunc(x);
}

// ---- padding ----

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

/** Reads auto_pad/pads/strides/dilations of a 2-D conv or pool and resolves explicit pads. */
export function spatialAttrs(n: IrNode, inHW: number[], kernel: number[], get: {
  ints: (name: string) => number[] | undefined;
  str: (name: string, d: string) => string;
}): SpatialAttrs {
  const rank = kernel.length;
  const stridesA = get.ints('strides') ?? new Array<number>(rank).fill(1);
  const dilations = get.ints('dilations') ?? new Array<number>(rank).fill(1);
  if (stridesA.length !== rank || dilations.length !== rank) refuse('strides/dilations do not match the kernel rank');
  if (stridesA.some((x) => x < 1) || dilations.some((x) => x < 1)) refuse('strides and dilations must be >= 1');
  const autoPad = get.str('auto_pad', 'NOTSET');
  let pads: number[];
  if (autoPad === 'NOTSET') {
    pads = get.ints('pads') ?? new Array<number>(2 * rank).fill(0);
    if (pads.length !== 2 * rank || pads.some((p) => p < 0)) refuse(`pads [${pads}] are not supported`);
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
  } else refuse(`auto_pad '${autoPad}' is not supported`);
  void n;
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

/** SAME when ONNX pads equal TFLite's SAME split, VALID when all zero, else an explicit PAD + VALID. */
export function choosePadding(inHW: number[], a: SpatialAttrs): PaddingChoice {
  const rank = a.kernel.length;
  if (a.pads.every((p) => p === 0)) return { mode: 'VALID' };
  let same = true;
  for (let i = 0; i < rank; i++) {
    const [b, e] = samePads(inHW[i]!, a.kernel[i]!, a.strides[i]!, a.dilations[i]!);
    if (a.pads[i] !== b || a.pads[i + rank] !== e) same = false;
  }
  return same ? { mode: 'SAME' } : { mode: 'EXPLICIT', pads: a.pads };
}

// ---- activations ----

export function fusedAct(n: IrNode): number {
  return Activation[n.fusedAct ?? 'NONE'];
}

/** The TFLite fused activation equal to clamping to [lo, hi], if there is one. */
export function clampActivation(lo: number, hi: number): ActivationName | undefined {
  if (lo === 0 && hi === Infinity) return 'RELU';
  if (lo === 0 && hi === 6) return 'RELU6';
  if (lo === -1 && hi === 1) return 'RELU_N1_TO_1';
  if (lo === -Infinity && hi === Infinity) return 'NONE';
  return undefined;
}

// ---- reshapes ----

/** Lowers a logical reshape of `input` into `output` (Reshape, Flatten, Squeeze, Unsqueeze). */
export function lowerReshape(ctx: EmitContext, input: string, output: string): void {
  const inShape = ctx.shape(input);
  const outShape = ctx.shape(output);
  const src = ctx.primary(input);
  const plan = planReshape(inShape, src.perm, outShape);
  const t = plan.kind === 'direct' ? src.tensor : ctx.getAs(input, plan.inPerm);
  const out = ctx.output(output, plan.outPerm);
  const phys = ctx.g.tensors[out]!.shape;
  ctx.op('RESHAPE', [t, ctx.int32Const(`${output}_shape`, phys)], [out], { table: 'ReshapeOptions', values: { new_shape: phys } });
}

export function requireFloat(ctx: { dtype(name: string): number }, name: string): void {
  if (ctx.dtype(name) !== OnnxDataType.FLOAT) refuse(`'${name}' is not float32 (type ${ctx.dtype(name)}); only float32 activations are supported`);
}

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
    if (x !== y && x !== 1 && y !== 1) refuse('no-broadcast', { shape: a, to: b });
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

/**
 * A constant of `shape` whose element at each index is `c`'s element at the coordinates `coord(axis, i)`
 * gives per axis (Tile's modulo, Slice's start + i * step, ...).
 */
export function constFromCoords(c: ConstTensor, shape: number[], coord: (axis: number, i: number) => number): ConstTensor {
  const st = strides(c.shape);
  const total = elementCount(shape);
  const out = new Array<number>(total);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < total; k++) {
    let src = 0;
    for (let i = 0; i < shape.length; i++) src += coord(i, idx[i]!) * st[i]!;
    out[k] = c.data[src]!;
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return constOf(c.dtype, shape, out);
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
  if (ctx.dtype(name) !== OnnxDataType.FLOAT) refuse('dtype-unsupported', { value: name, dtype: ctx.dtype(name), role: 'activation', expected: 'float32' });
}

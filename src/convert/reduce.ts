/** Shared lowering for the ONNX Reduce* family (axes attribute, or axes input from a given version). */
import { OnnxDataType } from '../onnx/model.js';
import { isIntegerType } from '../onnx/tensor.js';
import type { EmitContext } from './emit.js';
import { attrInt, attrInts, normAxis, onlyAttrs, refuse, type IrNode } from './ir.js';
import type { InferContext, Lowering } from './lowering.js';
import { requireFloat } from './lower-util.js';

export function reduceAxes(n: IrNode, ctx: Pick<InferContext, 'const'>, rank: number, axesInputSince: number, noopIsIdentity = false): number[] {
  let axes: number[] | undefined;
  if (n.since >= axesInputSince) {
    onlyAttrs(n, ['keepdims', 'noop_with_empty_axes']);
    if (n.inputs[1]) {
      const c = ctx.const(n.inputs[1]);
      if (!c) refuse('const-input-required', { input: 'axes', index: 1 });
      axes = Array.from(c.data);
    }
    if ((!axes || axes.length === 0) && attrInt(n, 'noop_with_empty_axes', 0) === 1) {
      // the ONNX definition: nothing is reduced, the output is the input
      if (noopIsIdentity) return [];
      refuse('noop-empty-axes');
    }
  } else {
    onlyAttrs(n, ['keepdims', 'axes']);
    axes = attrInts(n, 'axes');
  }
  if (!axes || axes.length === 0) return Array.from({ length: rank }, (_, i) => i);
  return [...new Set(axes.map((a) => normAxis(a, rank)))].sort((a, b) => a - b);
}

/**
 * Folds a reducer over an INTEGER constant (BEiT's relative position index, TorchScript export); float
 * constants are left to the runtime reducer (its float32 accumulation order is not a fold's to copy).
 */
function foldIntReduce(n: IrNode, ctx: InferContext, axesInputSince: number, combine: (acc: number, x: number) => number) {
  const c = ctx.const(n.inputs[0]!);
  if (!c || !isIntegerType(c.dtype)) return undefined;
  const r = c.shape.length;
  const axes = reduceAxes(n, ctx, r, axesInputSince, true);
  const keep = attrInt(n, 'keepdims', 1) === 1;
  const kept = c.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const count = kept.reduce((a, b) => a * b, 1);
  const acc = new Array<number | undefined>(count).fill(undefined);
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < c.data.length; k++) {
    let o = 0;
    for (let i = 0; i < r; i++) o = o * kept[i]! + (axes.includes(i) ? 0 : idx[i]!);
    const v = acc[o] === undefined ? c.data[k]! : combine(acc[o]!, c.data[k]!);
    if (!(Math.abs(v) <= Number.MAX_SAFE_INTEGER)) refuse('integer-fold-inexact', { op: n.op });
    acc[o] = v;
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i]! < c.shape[i]!) break;
      idx[i] = 0;
    }
  }
  const shape = keep ? kept : c.shape.filter((_, i) => !axes.includes(i));
  return [{ dtype: c.dtype, shape, data: Float64Array.from(acc, (v) => v ?? 0) }];
}

export function reduceLowering(op: string, versions: number[], tfOp: 'MEAN' | 'SUM' | 'REDUCE_MAX' | 'REDUCE_MIN', axesInputSince: number,
  combine?: (acc: number, x: number) => number): Lowering {
  return {
    op,
    versions,
    ...(combine ? { fold: (n: IrNode, ctx: InferContext) => foldIntReduce(n, ctx, axesInputSince, combine) } : {}),
    infer(n: IrNode, ctx: InferContext) {
      requireFloat(ctx, n.inputs[0]!);
      const x = ctx.shape(n.inputs[0]!);
      const axes = reduceAxes(n, ctx, x.length, axesInputSince, true);
      const keep = attrInt(n, 'keepdims', 1) === 1;
      const shape = keep ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i));
      return [{ shape, dtype: OnnxDataType.FLOAT }];
    },
    lower(n: IrNode, ctx: EmitContext) {
      const x = ctx.shape(n.inputs[0]!);
      const axes = reduceAxes(n, { const: (s) => ctx.constOf(s) }, x.length, axesInputSince, true);
      if (axes.length === 0) {
        const src = ctx.primary(n.inputs[0]!);
        ctx.define(n.outputs[0]!, src.tensor, src.perm);
        return;
      }
      lowerReduce(n, ctx, tfOp, axes, attrInt(n, 'keepdims', 1) === 1);
    },
  };
}

/** A TFLite reducer (MEAN, SUM, REDUCE_MAX, ...) over logical `axes`, in whatever layout the input already has. */
export function lowerReduce(n: IrNode, ctx: EmitContext, op: 'MEAN' | 'SUM' | 'REDUCE_MAX' | 'REDUCE_MIN', axes: number[], keepDims: boolean): void {
  const src = ctx.primary(n.inputs[0]!);
  const physAxes = axes.map((a) => src.perm.indexOf(a)).sort((x, y) => x - y);
  // with keep_dims the layout is unchanged; without, the kept axes keep their physical order
  const outPerm = keepDims
    ? src.perm
    : src.perm.filter((a) => !axes.includes(a)).map((a) => a - axes.filter((r) => r < a).length);
  const out = ctx.output(n.outputs[0]!, outPerm);
  ctx.op(op, [src.tensor, ctx.int32Const(`${ctx.node(n)}_axes`, physAxes)], [out], { table: 'ReducerOptions', values: { keep_dims: keepDims } });
}

/** GlobalAveragePool / GlobalMaxPool: a reducer over every spatial axis, keeping dims. */
export function globalPoolLowering(op: string, versions: number[], tfOp: 'MEAN' | 'REDUCE_MAX'): Lowering {
  return {
    op,
    versions,
    infer(n: IrNode, ctx: InferContext) {
      onlyAttrs(n, []);
      requireFloat(ctx, n.inputs[0]!);
      const x = ctx.shape(n.inputs[0]!);
      if (x.length < 3) refuse('rank-unsupported', { operand: n.inputs[0]!, rank: x.length, min: 3 });
      return [{ shape: [x[0]!, x[1]!, ...x.slice(2).map(() => 1)], dtype: OnnxDataType.FLOAT }];
    },
    lower(n: IrNode, ctx: EmitContext) {
      const r = ctx.shape(n.inputs[0]!).length;
      lowerReduce(n, ctx, tfOp, Array.from({ length: r - 2 }, (_, i) => i + 2), true);
    },
  };
}

/** ReduceMean -> MEAN (axes attribute before 18, axes input from 18). */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, attrInts, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';
import { lowerMean } from './global-average-pool.js';

function axesOf(n: IrNode, ctx: Pick<InferContext, 'const'>, rank: number): number[] {
  let axes: number[] | undefined;
  if (n.since >= 18) {
    onlyAttrs(n, ['keepdims', 'noop_with_empty_axes']);
    if (n.inputs[1]) {
      const c = ctx.const(n.inputs[1]);
      if (!c) refuse('axes (input 1) is computed at run time');
      axes = Array.from(c.data);
    }
    if ((!axes || axes.length === 0) && attrInt(n, 'noop_with_empty_axes', 0) === 1) refuse('noop_with_empty_axes=1 with empty axes is not supported');
  } else {
    onlyAttrs(n, ['keepdims', 'axes']);
    axes = attrInts(n, 'axes');
  }
  if (!axes || axes.length === 0) return Array.from({ length: rank }, (_, i) => i);
  const norm = [...new Set(axes.map((a) => normAxis(a, rank)))].sort((a, b) => a - b);
  return norm;
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const x = ctx.shape(n.inputs[0]!);
  const axes = axesOf(n, ctx, x.length);
  const keep = attrInt(n, 'keepdims', 1) === 1;
  const shape = keep ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i));
  return [{ shape, dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const x = ctx.shape(n.inputs[0]!);
  lowerMean(n, ctx, axesOf(n, { const: (s) => ctx.constOf(s) }, x.length), attrInt(n, 'keepdims', 1) === 1);
}

export default [{ op: 'ReduceMean', versions: [1, 11, 13, 18], infer, lower }] satisfies Lowering[];

/** Flatten -> RESHAPE to [prod(dims < axis), prod(dims >= axis)], layout-aware (see layout.ts). */
import type { EmitContext } from '../emit.js';
import { attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { lowerReshape } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['axis']);
  const x = ctx.shape(n.inputs[0]!);
  let axis = attrInt(n, 'axis', 1);
  if (axis < 0) axis += x.length;
  if (axis < 0 || axis > x.length) refuse('axis-out-of-range', { axis: attrInt(n, 'axis', 1), rank: x.length });
  const prod = (d: number[]) => d.reduce((p, v) => p * v, 1);
  return [{ shape: [prod(x.slice(0, axis)), prod(x.slice(axis))], dtype: ctx.dtype(n.inputs[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  return c ? [{ ...c, shape: infer(n, ctx)[0]!.shape }] : undefined;
}

export default [
  { op: 'Flatten', versions: [1, 9, 11, 13, 21, 23, 24, 25], infer, fold, lower: (n: IrNode, ctx: EmitContext) => lowerReshape(ctx, n.inputs[0]!, n.outputs[0]!) },
] satisfies Lowering[];

/** Squeeze -> RESHAPE (axes attribute before 13, input from 13). */
import type { EmitContext } from '../emit.js';
import { attrInts, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { lowerReshape } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  const x = ctx.shape(n.inputs[0]!);
  let axes: number[] | undefined;
  if (n.since >= 13) {
    onlyAttrs(n, []);
    if (n.inputs[1]) axes = Array.from(ctx.needConst(n, 1, 'axes').data);
  } else {
    onlyAttrs(n, ['axes']);
    axes = attrInts(n, 'axes');
  }
  const drop = axes ? axes.map((a) => normAxis(a, x.length)) : x.flatMap((d, i) => (d === 1 ? [i] : []));
  for (const a of drop) if (x[a] !== 1) refuse('squeeze-size', { axis: a, size: x[a]! });
  return [{ shape: x.filter((_, i) => !drop.includes(i)), dtype: ctx.dtype(n.inputs[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  return c ? [{ ...c, shape: infer(n, ctx)[0]!.shape }] : undefined;
}

export default [
  { op: 'Squeeze', versions: [1, 11, 13, 21, 23, 24, 25], infer, fold, lower: (n: IrNode, ctx: EmitContext) => lowerReshape(ctx, n.inputs[0]!, n.outputs[0]!) },
] satisfies Lowering[];

/** Unsqueeze -> RESHAPE (axes attribute before 13, input from 13). */
import type { EmitContext } from '../emit.js';
import { attrInts, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { lowerReshape } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  const x = ctx.shape(n.inputs[0]!);
  let axes: number[] | undefined;
  if (n.since >= 13) {
    onlyAttrs(n, []);
    axes = Array.from(ctx.needConst(n, 1, 'axes').data);
  } else {
    onlyAttrs(n, ['axes']);
    axes = attrInts(n, 'axes');
  }
  if (!axes) refuse('attr-missing', { attr: 'axes' });
  const r = x.length + axes.length;
  const ins = axes.map((a) => normAxis(a, r));
  if (new Set(ins).size !== ins.length) refuse('axes-invalid', { axes, rank: r });
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) out.push(ins.includes(i) ? 1 : x[k++]!);
  return [{ shape: out, dtype: ctx.dtype(n.inputs[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  return c ? [{ ...c, shape: infer(n, ctx)[0]!.shape }] : undefined;
}

export default [
  { op: 'Unsqueeze', versions: [1, 11, 13, 21, 23, 24, 25], infer, fold, lower: (n: IrNode, ctx: EmitContext) => lowerReshape(ctx, n.inputs[0]!, n.outputs[0]!) },
] satisfies Lowering[];

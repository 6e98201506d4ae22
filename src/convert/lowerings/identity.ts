/** Identity: no operator; the output is another name for the input. */
import type { EmitContext } from '../emit.js';
import { onlyAttrs, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';

export function aliasInfer(n: IrNode, ctx: InferContext) {
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: ctx.dtype(n.inputs[0]!) }];
}

export function aliasFold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  return c ? [c] : undefined;
}

export function aliasLower(n: IrNode, ctx: EmitContext) {
  const src = ctx.primary(n.inputs[0]!);
  ctx.define(n.outputs[0]!, src.tensor, src.perm);
}

export default [
  {
    op: 'Identity',
    versions: [1, 13, 14, 16, 19, 21, 23, 24, 25],
    infer: (n: IrNode, ctx: InferContext) => { onlyAttrs(n, []); return aliasInfer(n, ctx); },
    fold: aliasFold,
    lower: aliasLower,
  },
] satisfies Lowering[];

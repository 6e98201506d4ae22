/** Ops whose output is another name for their input (Identity, Dropout at inference, a no-op Cast). */
import type { EmitContext } from './emit.js';
import type { IrNode } from './ir.js';
import type { InferContext } from './lowering.js';

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

/** Dropout at inference is the identity (its mask output is not supported). */
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { aliasFold, aliasInfer, aliasLower } from './identity.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['ratio', 'is_test', 'seed']);
  if (n.outputs[1]) refuse('the mask output is not supported');
  if (n.since >= 12 && n.inputs[2]) {
    const t = ctx.const(n.inputs[2]);
    if (!t || t.data[0] !== 0) refuse('training_mode is not a constant false');
  }
  if (n.since < 7 && n.attrs.has('is_test') && n.attrs.get('is_test')?.type === 'int' && (n.attrs.get('is_test') as { value: number }).value !== 1) {
    refuse('is_test=0 (training) is not supported');
  }
  return aliasInfer(n, ctx);
}

export default [
  { op: 'Dropout', versions: [6, 7, 10, 12, 13, 22], infer, fold: (n: IrNode, ctx: InferContext) => (n.outputs[1] ? undefined : aliasFold(n, ctx)), lower: aliasLower },
] satisfies Lowering[];

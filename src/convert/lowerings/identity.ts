/** Identity: no operator; the output is another name for the input. */
import { aliasFold, aliasInfer, aliasLower } from '../alias.js';
import { onlyAttrs, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';

export default [
  {
    op: 'Identity',
    versions: [1, 13, 14, 16, 19, 21, 23, 24, 25],
    infer: (n: IrNode, ctx: InferContext) => { onlyAttrs(n, []); return aliasInfer(n, ctx); },
    fold: aliasFold,
    lower: aliasLower,
  },
] satisfies Lowering[];

/**
 * Ceil: folded on constants only (MobileViT's TorchScript export rounds its patch grid up from constant
 * sizes); on run-time tensors it is refused.
 */
import { unaryFold } from '../elementwise.js';
import type { IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';

export default [{ op: 'Ceil', versions: [6, 13], constantOnly: true, fold: (n: IrNode, ctx: InferContext) => unaryFold(n, ctx, [], Math.ceil), infer: () => [], lower: notLowered }] satisfies Lowering[];

/**
 * Sin: folded on constants only (Llama's rotary tables, TorchScript export: sin of constant
 * position x frequency); on run-time tensors it is refused.
 */
import { unaryFold } from '../elementwise.js';
import type { IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';

export default [{ op: 'Sin', versions: [7], constantOnly: true, fold: (n: IrNode, ctx: InferContext) => unaryFold(n, ctx, [], Math.sin), infer: () => [], lower: notLowered }] satisfies Lowering[];

/**
 * IsNaN: folded on constants; at run time NOT_EQUAL(x, x), true exactly for NaN (IEEE comparison).
 * torch's SDPA export writes Where(IsNaN(softmax), 0, softmax) to zero fully masked rows.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { onlyAttrs, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf, requireFloat } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: OnnxDataType.BOOL }];
}

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const c = ctx.const(n.inputs[0]!);
  return c ? [constOf(OnnxDataType.BOOL, c.shape, Array.from(c.data, (v) => (Number.isNaN(v) ? 1 : 0)))] : undefined;
}

function lower(n: IrNode, ctx: EmitContext) {
  const src = ctx.primary(n.inputs[0]!);
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('NOT_EQUAL', [src.tensor, src.tensor], [out], { table: 'NotEqualOptions', values: {} });
}

export default [{ op: 'IsNaN', versions: [9, 13, 20], infer, fold, lower }] satisfies Lowering[];

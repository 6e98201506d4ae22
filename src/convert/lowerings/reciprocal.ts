/**
 * Reciprocal -> DIV(1, x) (TFLite has no reciprocal op; one IEEE division, as onnxruntime's 1/x).
 * torch's dynamo export writes T5's RMS norm rsqrt as Reciprocal(Sqrt(...)).
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { unaryFold } from '../elementwise.js';
import { onlyAttrs, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const src = ctx.primary(n.inputs[0]!);
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('DIV', [ctx.floatConst(`${ctx.node(n)}_one`, [], [1]), src.tensor], [out], { table: 'DivOptions', values: {} });
}

export default [{ op: 'Reciprocal', versions: [6, 13], infer, fold: (n: IrNode, ctx: InferContext) => unaryFold(n, ctx, [], (x) => 1 / x), lower }] satisfies Lowering[];

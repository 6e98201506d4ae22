/** LeakyRelu -> LEAKY_RELU with alpha. */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, onlyAttrs, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['alpha']);
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const src = ctx.primary(n.inputs[0]!);
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('LEAKY_RELU', [src.tensor], [out], { table: 'LeakyReluOptions', values: { alpha: attrFloat(n, 'alpha', 0.01) } });
}

export default [{ op: 'LeakyRelu', versions: [6, 16], infer, lower }] satisfies Lowering[];

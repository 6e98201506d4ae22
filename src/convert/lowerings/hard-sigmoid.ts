/** HardSigmoid max(0, min(1, alpha*x + beta)) -> MUL(6*alpha) + ADD(6*beta, fused RELU6) + MUL(1/6). */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrFloat, onlyAttrs, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';
import { Activation } from '../tflite/schema.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['alpha', 'beta']);
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const alpha = attrFloat(n, 'alpha', 0.2);
  const beta = attrFloat(n, 'beta', 0.5);
  const src = ctx.primary(n.inputs[0]!);
  const name = ctx.node(n);
  const phys = ctx.g.tensors[src.tensor]!.shape;
  // relu6(6*(alpha*x+beta)) / 6 == clamp(alpha*x+beta, 0, 1)
  const scaled = ctx.newTensor(`${name}_scaled`, phys);
  ctx.op('MUL', [src.tensor, ctx.floatConst(`${name}_alpha6`, [], [6 * alpha])], [scaled], { table: 'MulOptions', values: {} });
  const clamped = ctx.newTensor(`${name}_relu6`, phys);
  ctx.op('ADD', [scaled, ctx.floatConst(`${name}_beta6`, [], [6 * beta])], [clamped], { table: 'AddOptions', values: { fused_activation_function: Activation.RELU6 } });
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('MUL', [clamped, ctx.floatConst(`${name}_sixth`, [], [1 / 6])], [out], { table: 'MulOptions', values: {} });
}

export default [{ op: 'HardSigmoid', versions: [6, 22], infer, lower }] satisfies Lowering[];

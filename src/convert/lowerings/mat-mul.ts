/** MatMul -> FULLY_CONNECTED (constant 2-D B, keep_num_dims) or BATCH_MATMUL (both computed). */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import { identity, transposeData } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { broadcastShapes, fusedAct, requireFloat } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const a = ctx.shape(n.inputs[0]!);
  const b = ctx.shape(n.inputs[1]!);
  requireFloat(ctx, n.inputs[0]!);
  if (a.length < 2 || b.length < 2) refuse('1-D MatMul operands are not supported');
  if (a[a.length - 1] !== b[b.length - 2]) refuse(`inner dimensions differ ([${a}] x [${b}])`);
  if (ctx.const(n.inputs[0]!)) refuse('a constant first operand is not supported');
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
  return [{ shape: [...batch, a[a.length - 2]!, b[b.length - 1]!], dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const a = ctx.shape(n.inputs[0]!);
  const b = ctx.constOf(n.inputs[1]!);
  const out = ctx.shape(n.outputs[0]!);
  const name = ctx.node(n);
  const input = ctx.getAs(n.inputs[0]!, identity(a.length));
  if (b && b.shape.length === 2) {
    const [k, nOut] = b.shape as [number, number];
    const t = ctx.output(n.outputs[0]!, identity(out.length));
    ctx.op('FULLY_CONNECTED', [input, ctx.floatConst(`${name}_weights`, [nOut, k], transposeData(b.data, b.shape, [1, 0])), -1], [t], {
      table: 'FullyConnectedOptions', values: { fused_activation_function: fusedAct(n), keep_num_dims: a.length > 2 },
    });
    return;
  }
  if (n.fusedAct && n.fusedAct !== 'NONE') refuse('internal: activation fused into BATCH_MATMUL');
  const bt = ctx.getAs(n.inputs[1]!, identity(ctx.shape(n.inputs[1]!).length));
  const t = ctx.output(n.outputs[0]!, identity(out.length));
  ctx.op('BATCH_MATMUL', [input, bt], [t], { table: 'BatchMatMulOptions', values: {} });
}

export default [{ op: 'MatMul', versions: [1, 9, 13], infer, lower }] satisfies Lowering[];

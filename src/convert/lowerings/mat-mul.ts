/**
 * MatMul (operands of rank >= 2, numpy batch broadcasting; folded when both are constant):
 * constant 2-D B -> FULLY_CONNECTED; constant 2-D A -> FULLY_CONNECTED on B^T, giving (AB)^T as a
 * layout (no transpose op); otherwise BATCH_MATMUL, with adj flags for operands already stored transposed.
 */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import { identity, transposeData } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { broadcastShapes, fusedAct, requireFloat } from '../lower-util.js';
import { matmulConst, matmulOperand, swapLast } from '../matmul-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const a = ctx.shape(n.inputs[0]!);
  const b = ctx.shape(n.inputs[1]!);
  for (const i of n.inputs.slice(0, 2)) if (!ctx.const(i!)) requireFloat(ctx, i!);
  if (a.length < 2 || b.length < 2) refuse('rank-unsupported', a.length < 2 ? { operand: n.inputs[0]!, rank: a.length, min: 2 } : { operand: n.inputs[1]!, rank: b.length, min: 2 });
  if (a[a.length - 1] !== b[b.length - 2]) refuse('inner-dims-differ', { a, b });
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
  return [{ shape: [...batch, a[a.length - 2]!, b[b.length - 1]!], dtype: OnnxDataType.FLOAT }];
}

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const a = ctx.const(n.inputs[0]!);
  const b = ctx.const(n.inputs[1]!);
  if (!a || !b || a.shape.length < 2 || b.shape.length < 2) return undefined;
  return [matmulConst(a, b)];
}

function lower(n: IrNode, ctx: EmitContext) {
  const aName = n.inputs[0]!;
  const bName = n.inputs[1]!;
  const a = ctx.shape(aName);
  const bShape = ctx.shape(bName);
  const b = ctx.constOf(bName);
  const aConst = ctx.constOf(aName);
  const out = ctx.shape(n.outputs[0]!);
  const r = out.length;
  const name = ctx.node(n);
  const fc = (input: number, weights: number, outPerm: number[], keep: boolean) => {
    const t = ctx.output(n.outputs[0]!, outPerm);
    ctx.op('FULLY_CONNECTED', [input, weights, -1], [t], {
      table: 'FullyConnectedOptions', values: { fused_activation_function: fusedAct(n), keep_num_dims: keep },
    });
  };
  if (b && b.shape.length === 2 && !aConst) {
    const [k, nOut] = b.shape as [number, number];
    fc(ctx.getAs(aName, identity(a.length)), ctx.floatConst(`${name}_weights`, [nOut, k], transposeData(b.data, b.shape, [1, 0])), identity(r), a.length > 2);
    return;
  }
  if (aConst && aConst.shape.length === 2 && !b) {
    // (A B)^T = B^T A^T: B^T is B in the swapped layout, and A [M, K] is already FULLY_CONNECTED's [out, in]
    const [m, k] = aConst.shape as [number, number];
    fc(ctx.getAs(bName, swapLast(bShape.length)), ctx.floatConst(`${name}_weights`, [m, k], aConst.data), swapLast(r), bShape.length > 2);
    return;
  }
  if (n.fusedAct && n.fusedAct !== 'NONE') refuse('fused-activation', { kernel: 'BATCH_MATMUL' });
  const x = matmulOperand(ctx, aName);
  const y = matmulOperand(ctx, bName);
  const t = ctx.output(n.outputs[0]!, identity(r));
  ctx.op('BATCH_MATMUL', [x.tensor, y.tensor], [t], { table: 'BatchMatMulOptions', values: { adj_x: x.adj, adj_y: y.adj } });
}

export default [{ op: 'MatMul', versions: [1, 9, 13], infer, fold, lower }] satisfies Lowering[];

/** Expand (bidirectional broadcast to a constant shape): folded on constants; else BROADCAST_TO. */
import type { EmitContext } from '../emit.js';
import { onlyAttrs, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { broadcastBinary, broadcastShapes, constOf } from '../lower-util.js';
import { elementCount } from '../../onnx/tensor.js';
import { permute } from '../layout.js';

function target(n: IrNode, ctx: InferContext): number[] {
  onlyAttrs(n, []);
  return Array.from(ctx.needConst(n, 1, 'shape').data);
}

function infer(n: IrNode, ctx: InferContext) {
  return [{ shape: broadcastShapes(ctx.shape(n.inputs[0]!), target(n, ctx)), dtype: ctx.dtype(n.inputs[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  if (!c || !ctx.const(n.inputs[1]!)) return undefined;
  const shape = target(n, ctx);
  const ones = constOf(c.dtype, shape.map((d) => Math.max(d, 1)), new Array<number>(elementCount(shape.map((d) => Math.max(d, 1)))).fill(0));
  return [broadcastBinary(c, ones, (x) => x, c.dtype)];
}

function lower(n: IrNode, ctx: EmitContext) {
  const x = n.inputs[0]!;
  const outShape = ctx.shape(n.outputs[0]!);
  const r = outShape.length;
  if (ctx.shape(x).join() === outShape.join()) {
    const src = ctx.primary(x);
    ctx.define(n.outputs[0]!, src.tensor, src.perm);
    return;
  }
  const perm = ctx.commonPerm([x], r);
  const t = ctx.getBroadcast(x, r, perm);
  const out = ctx.output(n.outputs[0]!, perm);
  ctx.op('BROADCAST_TO', [t, ctx.int32Const(`${ctx.node(n)}_shape`, permute(outShape, perm))], [out], { table: 'BroadcastToOptions', values: {} });
}

export default [{ op: 'Expand', versions: [8, 13], infer, fold, lower }] satisfies Lowering[];

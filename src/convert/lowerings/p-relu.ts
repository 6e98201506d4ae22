/** PRelu -> PRELU; the slope broadcasts to X (unidirectionally) and is laid out like X. */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { broadcastShapes, requireFloat } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  requireFloat(ctx, n.inputs[0]!);
  const x = ctx.shape(n.inputs[0]!);
  const s = ctx.shape(n.inputs[1]!);
  const b = broadcastShapes(x, s);
  if (b.length !== x.length || b.some((d, i) => d !== x[i])) refuse('no-broadcast', { operand: 'slope', shape: s, to: x });
  return [{ shape: x, dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const src = ctx.primary(n.inputs[0]!);
  const r = src.perm.length;
  const slope = n.inputs[1]!;
  const alpha = ctx.isConst(slope) ? ctx.broadcastConst(slope, r, src.perm) : ctx.getBroadcast(slope, r, src.perm);
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('PRELU', [src.tensor, alpha], [out]);
}

export default [{ op: 'PRelu', versions: [7, 9, 16], infer, lower }] satisfies Lowering[];

/** Softmax -> SOFTMAX over the last physical axis (transposing only if the axis is not last). */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';

function axisOf(n: IrNode, rank: number): number {
  onlyAttrs(n, ['axis']);
  const axis = normAxis(attrInt(n, 'axis', n.since >= 13 ? -1 : 1), rank);
  // before 13 Softmax flattens from `axis` onwards: the same as a last-axis softmax only if axis is last
  if (n.since < 13 && axis !== rank - 1) refuse('softmax-axis', { axis });
  return axis;
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  const x = ctx.shape(n.inputs[0]!);
  axisOf(n, x.length);
  return [{ shape: x, dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const x = ctx.shape(n.inputs[0]!);
  const axis = axisOf(n, x.length);
  let src = ctx.primary(n.inputs[0]!);
  if (src.perm[src.perm.length - 1] !== axis) {
    const perm = [...src.perm.filter((a) => a !== axis), axis];
    src = { tensor: ctx.getAs(n.inputs[0]!, perm), perm };
  }
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('SOFTMAX', [src.tensor], [out], { table: 'SoftmaxOptions', values: { beta: 1 } });
}

export default [{ op: 'Softmax', versions: [1, 11, 13], infer, lower }] satisfies Lowering[];

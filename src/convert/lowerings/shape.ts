/** Shape: folded to a constant from the statically known input shape (start/end from 15). */
import { OnnxDataType } from '../../onnx/model.js';
import { attrInt, onlyAttrs, type IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';
import { constOf } from '../lower-util.js';

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['start', 'end']);
  const x = ctx.shape(n.inputs[0]!);
  const r = x.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const s = x.slice(clamp(attrInt(n, 'start', 0)), clamp(attrInt(n, 'end', r)));
  return [constOf(OnnxDataType.INT64, [s.length], s)];
}

export default [
  { op: 'Shape', versions: [1, 13, 15, 19, 21, 23, 24, 25], constantOnly: true, fold, infer: (n: IrNode, ctx: InferContext) => fold(n, ctx).map((c) => ({ shape: c.shape, dtype: c.dtype })), lower: notLowered },
] satisfies Lowering[];

/** Equal: folded on constants (the legacy exporter's reshape-with--1 logic). */
import { OnnxDataType } from '../../onnx/model.js';
import { onlyAttrs, type IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';
import { broadcastBinary } from '../lower-util.js';

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const a = ctx.const(n.inputs[0]!);
  const b = ctx.const(n.inputs[1]!);
  if (!a || !b) return undefined;
  return [broadcastBinary(a, b, (x, y) => (x === y ? 1 : 0), OnnxDataType.BOOL)];
}

export default [{ op: 'Equal', versions: [1, 7, 11, 13, 19], constantOnly: true, fold, infer: () => [], lower: notLowered }] satisfies Lowering[];

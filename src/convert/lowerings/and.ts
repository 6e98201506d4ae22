/** And: folded on constants; at run time LOGICAL_AND (broadcasting) of bool tensors (attention masks). */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { broadcastBinary, broadcastShapes } from '../lower-util.js';
import { lowerBroadcast } from '../elementwise.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const [a, b] = [n.inputs[0]!, n.inputs[1]!];
  for (const v of [a, b]) if (ctx.dtype(v) !== OnnxDataType.BOOL) refuse('dtype-unsupported', { value: v, dtype: ctx.dtype(v), role: 'input', expected: 'bool' });
  return [{ shape: broadcastShapes(ctx.shape(a), ctx.shape(b)), dtype: OnnxDataType.BOOL }];
}

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const a = ctx.const(n.inputs[0]!);
  const b = ctx.const(n.inputs[1]!);
  if (!a || !b) return undefined;
  return [broadcastBinary(a, b, (x, y) => (x && y ? 1 : 0), OnnxDataType.BOOL)];
}

function lower(n: IrNode, ctx: EmitContext) {
  lowerBroadcast(n, ctx, 'LOGICAL_AND', 'LogicalAndOptions', n.inputs.slice(0, 2), 'bool');
}

export default [{ op: 'And', versions: [7], infer, fold, lower }] satisfies Lowering[];

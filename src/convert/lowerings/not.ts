/** Not: folded on constants; at run time LOGICAL_NOT of a BOOL tensor (e.g. a comparison's output). */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  if (ctx.dtype(n.inputs[0]!) !== OnnxDataType.BOOL) refuse('dtype-unsupported', { value: n.inputs[0]!, dtype: ctx.dtype(n.inputs[0]!), role: 'input', expected: 'bool' });
  return [{ shape: ctx.shape(n.inputs[0]!), dtype: OnnxDataType.BOOL }];
}

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const c = ctx.const(n.inputs[0]!);
  return c ? [constOf(OnnxDataType.BOOL, c.shape, Array.from(c.data, (v) => (v ? 0 : 1)))] : undefined;
}

function lower(n: IrNode, ctx: EmitContext) {
  const src = ctx.primary(n.inputs[0]!);
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('LOGICAL_NOT', [src.tensor], [out], { table: 'LogicalNotOptions', values: {} });
}

export default [{ op: 'Not', versions: [1], infer, fold, lower }] satisfies Lowering[];

/** GlobalMaxPool -> REDUCE_MAX over the spatial axes with keep_dims (layout-aware axes). */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  requireFloat(ctx, n.inputs[0]!);
  const x = ctx.shape(n.inputs[0]!);
  if (x.length < 3) refuse('input needs spatial axes');
  return [{ shape: [x[0]!, x[1]!, ...x.slice(2).map(() => 1)], dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const src = ctx.primary(n.inputs[0]!);
  const r = src.perm.length;
  const axes = Array.from({ length: r - 2 }, (_, i) => src.perm.indexOf(i + 2)).sort((a, b) => a - b);
  const out = ctx.output(n.outputs[0]!, src.perm);
  ctx.op('REDUCE_MAX', [src.tensor, ctx.int32Const(`${ctx.node(n)}_axes`, axes)], [out], { table: 'ReducerOptions', values: { keep_dims: true } });
}

export default [{ op: 'GlobalMaxPool', versions: [1, 22], infer, lower }] satisfies Lowering[];

/** GlobalAveragePool -> MEAN over the spatial axes with keep_dims (layout-aware axes). */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { requireFloat } from '../lower-util.js';

/** A TFLite reducer (MEAN, SUM, REDUCE_MAX, ...) over logical `axes`, in whatever layout the input already has. */
export function lowerReduce(n: IrNode, ctx: EmitContext, op: 'MEAN' | 'SUM' | 'REDUCE_MAX' | 'REDUCE_MIN', axes: number[], keepDims: boolean): void {
  const src = ctx.primary(n.inputs[0]!);
  const physAxes = axes.map((a) => src.perm.indexOf(a)).sort((x, y) => x - y);
  // with keep_dims the layout is unchanged; without, the kept axes keep their physical order
  const outPerm = keepDims
    ? src.perm
    : src.perm.filter((a) => !axes.includes(a)).map((a) => a - axes.filter((r) => r < a).length);
  const out = ctx.output(n.outputs[0]!, outPerm);
  ctx.op(op, [src.tensor, ctx.int32Const(`${ctx.node(n)}_axes`, physAxes)], [out], { table: 'ReducerOptions', values: { keep_dims: keepDims } });
}

function infer(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  requireFloat(ctx, n.inputs[0]!);
  const x = ctx.shape(n.inputs[0]!);
  if (x.length < 3) refuse('input needs spatial axes');
  return [{ shape: [x[0]!, x[1]!, ...x.slice(2).map(() => 1)], dtype: OnnxDataType.FLOAT }];
}

function lower(n: IrNode, ctx: EmitContext) {
  const r = ctx.shape(n.inputs[0]!).length;
  lowerReduce(n, ctx, 'MEAN', Array.from({ length: r - 2 }, (_, i) => i + 2), true);
}

export default [{ op: 'GlobalAveragePool', versions: [1, 22], infer, lower }] satisfies Lowering[];

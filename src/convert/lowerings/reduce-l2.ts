/** ReduceL2 -> MUL (x*x), SUM over the axes, SQRT: the definition, in the input's layout. Folded on constants. */
import { OnnxDataType } from '../../onnx/model.js';
import type { EmitContext } from '../emit.js';
import { attrInt, type IrNode } from '../ir.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf, requireFloat, strides } from '../lower-util.js';
import { reduceAxes } from '../reduce.js';

const AXES_INPUT_SINCE = 18;

function plan(n: IrNode, ctx: Pick<InferContext, 'const' | 'shape'>) {
  const x = ctx.shape(n.inputs[0]!);
  const axes = reduceAxes(n, ctx, x.length, AXES_INPUT_SINCE);
  const keep = attrInt(n, 'keepdims', 1) === 1;
  const shape = keep ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i));
  return { x, axes, keep, shape };
}

function infer(n: IrNode, ctx: InferContext) {
  requireFloat(ctx, n.inputs[0]!);
  return [{ shape: plan(n, ctx).shape, dtype: OnnxDataType.FLOAT }];
}

function fold(n: IrNode, ctx: InferContext) {
  const c = ctx.const(n.inputs[0]!);
  if (!c) return undefined;
  const { x, axes, shape } = plan(n, ctx);
  const kept = x.map((d, i) => (axes.includes(i) ? 1 : d));
  const outStrides = strides(kept);
  const sums = new Array<number>(kept.reduce((p, v) => p * v, 1)).fill(0);
  const idx = new Array<number>(x.length).fill(0);
  for (let k = 0; k < c.data.length; k++) {
    let o = 0;
    for (let i = 0; i < x.length; i++) if (!axes.includes(i)) o += idx[i]! * outStrides[i]!;
    sums[o] = sums[o]! + c.data[k]! * c.data[k]!;
    for (let i = x.length - 1; i >= 0; i--) {
      if (++idx[i]! < x[i]!) break;
      idx[i] = 0;
    }
  }
  return [constOf(c.dtype, shape, sums.map(Math.sqrt))];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { axes, keep } = plan(n, { const: (s) => ctx.constOf(s), shape: (s) => ctx.shape(s) });
  const src = ctx.primary(n.inputs[0]!);
  const name = ctx.node(n);
  const physIn = ctx.g.tensors[src.tensor]!.shape;
  const physAxes = axes.map((a) => src.perm.indexOf(a)).sort((p, q) => p - q);
  const outPerm = keep ? src.perm : src.perm.filter((a) => !axes.includes(a)).map((a) => a - axes.filter((r) => r < a).length);
  const sq = ctx.newTensor(`${name}_square`, physIn);
  ctx.op('MUL', [src.tensor, src.tensor], [sq], { table: 'MulOptions', values: { fused_activation_function: 0 } });
  const out = ctx.output(n.outputs[0]!, outPerm);
  const sum = ctx.newTensor(`${name}_sum`, ctx.g.tensors[out]!.shape);
  ctx.op('SUM', [sq, ctx.int32Const(`${name}_axes`, physAxes)], [sum], { table: 'ReducerOptions', values: { keep_dims: keep } });
  ctx.op('SQRT', [sum], [out]);
}

export default [{ op: 'ReduceL2', versions: [1, 11, 13, 18], infer, fold, lower }] satisfies Lowering[];

/** GatherND (batch_dims 0, constant indices): folded on constants; else GATHER_ND in logical layout. */
import type { EmitContext } from '../emit.js';
import { attrInt, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { identity } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf, strides } from '../lower-util.js';

/** The indices with negative entries made positive and range-checked, and the output shape. */
function plan(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['batch_dims']);
  if (attrInt(n, 'batch_dims', 0) !== 0) refuse('attr-unsupported', { attr: 'batch_dims', value: attrInt(n, 'batch_dims', 0), supported: '0' });
  const data = ctx.shape(n.inputs[0]!);
  const ix = ctx.needConst(n, 1, 'indices');
  const k = ix.shape[ix.shape.length - 1]!;
  if (ix.shape.length < 1 || k > data.length) refuse('indices-mismatch', { indices: ix.shape, data });
  const norm = Array.from(ix.data, (v, i) => {
    const dim = data[i % k]!;
    const w = v < 0 ? v + dim : v;
    if (w < 0 || w >= dim) refuse('index-out-of-range', { index: v, size: dim });
    return w;
  });
  return { k, indices: norm, indexShape: ix.shape, shape: [...ix.shape.slice(0, -1), ...data.slice(k)] };
}

function infer(n: IrNode, ctx: InferContext) {
  return [{ shape: plan(n, ctx).shape, dtype: ctx.dtype(n.inputs[0]!) }];
}

function fold(n: IrNode, ctx: InferContext) {
  const d = ctx.const(n.inputs[0]!);
  if (!d || !ctx.const(n.inputs[1]!)) return undefined;
  const { k, indices, shape } = plan(n, ctx);
  const st = strides(d.shape);
  const inner = d.shape.slice(k).reduce((p, v) => p * v, 1);
  const out: number[] = [];
  for (let t = 0; t < indices.length / Math.max(k, 1); t++) {
    let base = 0;
    for (let j = 0; j < k; j++) base += indices[t * k + j]! * st[j]!;
    for (let e = 0; e < inner; e++) out.push(d.data[base + e]!);
  }
  return [constOf(d.dtype, shape, out)];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { indices, indexShape } = plan(n, ctx);
  const data = ctx.getAs(n.inputs[0]!, identity(ctx.shape(n.inputs[0]!).length));
  const out = ctx.output(n.outputs[0]!, identity(ctx.shape(n.outputs[0]!).length));
  const ix = ctx.g.addInt32Const(`${ctx.node(n)}_indices`, indexShape, indices);
  ctx.op('GATHER_ND', [data, ix], [out], { table: 'GatherNdOptions', values: {} });
}

export default [{ op: 'GatherND', versions: [11, 12, 13], infer, fold, lower }] satisfies Lowering[];

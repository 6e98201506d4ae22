/**
 * GatherElements with constant indices: folded when the data is constant too (HF BERT's embeddings
 * gather the token_type_ids buffer at the position ids, both constant at a fixed sequence length); on
 * run-time data it is GATHER_ND with every output element's full coordinates as a constant index grid
 * (the indices' own coordinates, the axis coordinate replaced by the index), in logical layout.
 * Run-time indices into constant data whose elements are all one value fold to that value in the
 * indices' shape (RoBERTa gathers its all-zero token_type_ids buffer at run-time position ids; an
 * index out of range is an error in ONNX, so every valid result is that value). Other run-time indices
 * are refused: the grid would have to be built at run time.
 */
import type { EmitContext } from '../emit.js';
import { attrInt, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { identity } from '../layout.js';
import type { InferContext, Lowering } from '../lowering.js';
import { constOf, strides } from '../lower-util.js';

/** The output shape (the indices') and, per output element, its data coordinates (rank of them each). */
function plan(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['axis']);
  const data = ctx.shape(n.inputs[0]!);
  const ix = ctx.needConst(n, 1, 'indices');
  const r = data.length;
  const axis = normAxis(attrInt(n, 'axis', 0), r);
  if (ix.shape.length !== r) refuse('indices-mismatch', { indices: ix.shape, data });
  ix.shape.forEach((s, i) => { if (i !== axis && s > data[i]!) refuse('indices-mismatch', { indices: ix.shape, data }); });
  const is = strides(ix.shape);
  const dim = data[axis]!;
  const coords = new Array<number>(ix.data.length * r);
  for (let k = 0; k < ix.data.length; k++) {
    const raw = ix.data[k]!;
    const j = raw < 0 ? raw + dim : raw;
    if (j < 0 || j >= dim) refuse('index-out-of-range', { index: raw, size: dim });
    let rest = k;
    for (let i = 0; i < r; i++) {
      const c = Math.floor(rest / is[i]!);
      rest -= c * is[i]!;
      coords[k * r + i] = i === axis ? j : c;
    }
  }
  return { shape: ix.shape, coords, rank: r };
}

function infer(n: IrNode, ctx: InferContext) {
  return [{ shape: plan(n, ctx).shape, dtype: ctx.dtype(n.inputs[0]!) }];
}

/** The one value every element of constant `n.inputs[0]` holds, if it is one. */
function uniform(n: IrNode, ctx: InferContext): number | undefined {
  const d = ctx.const(n.inputs[0]!);
  if (!d || d.data.length === 0) return undefined;
  const v = d.data[0]!;
  for (const x of d.data) if (x !== v) return undefined;
  return v;
}

function fold(n: IrNode, ctx: InferContext) {
  const d = ctx.const(n.inputs[0]!);
  const value = uniform(n, ctx);
  if (d && value !== undefined && !ctx.const(n.inputs[1]!)) {
    onlyAttrs(n, ['axis']);
    const shape = ctx.shape(n.inputs[1]!);
    if (shape.length !== d.shape.length) refuse('indices-mismatch', { indices: shape, data: d.shape });
    return [constOf(d.dtype, shape, new Array<number>(shape.reduce((p, x) => p * x, 1)).fill(value))];
  }
  if (!d || !ctx.const(n.inputs[1]!)) return undefined;
  const { shape, coords, rank } = plan(n, ctx);
  const ds = strides(d.shape);
  const out = new Array<number>(coords.length / Math.max(rank, 1));
  for (let k = 0; k < out.length; k++) {
    let at = 0;
    for (let i = 0; i < rank; i++) at += coords[k * rank + i]! * ds[i]!;
    out[k] = d.data[at]!;
  }
  return [constOf(d.dtype, shape, out)];
}

function lower(n: IrNode, ctx: EmitContext) {
  const { shape, coords, rank } = plan(n, ctx);
  const data = ctx.getAs(n.inputs[0]!, identity(rank));
  const out = ctx.output(n.outputs[0]!, identity(rank));
  const grid = ctx.g.addInt32Const(`${ctx.node(n)}_coords`, [...shape, rank], coords);
  ctx.op('GATHER_ND', [data, grid], [out], { table: 'GatherNdOptions', values: {} });
}

export default [{ op: 'GatherElements', versions: [11, 13], infer, fold, lower }] satisfies Lowering[];

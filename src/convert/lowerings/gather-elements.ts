/**
 * GatherElements: folded when data and indices are constant. HF BERT's embeddings gather the
 * token_type_ids buffer (a constant) at the position ids (constant at a fixed sequence length);
 * on run-time tensors it is refused (no TFLite twin without an index grid).
 */
import { attrInt, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';
import { constOf, strides } from '../lower-util.js';

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['axis']);
  const d = ctx.const(n.inputs[0]!);
  const ix = ctx.const(n.inputs[1]!);
  if (!d || !ix) return undefined;
  const r = d.shape.length;
  const axis = normAxis(attrInt(n, 'axis', 0), r);
  if (ix.shape.length !== r) refuse(`indices of rank ${ix.shape.length} for data of rank ${r}`);
  ix.shape.forEach((s, i) => { if (i !== axis && s > d.shape[i]!) refuse(`indices dimension ${i} (${s}) exceeds the data's (${d.shape[i]})`); });
  const ds = strides(d.shape);
  const is = strides(ix.shape);
  const dim = d.shape[axis]!;
  const out = new Array<number>(ix.data.length);
  for (let k = 0; k < ix.data.length; k++) {
    const raw = ix.data[k]!;
    const j = raw < 0 ? raw + dim : raw;
    if (j < 0 || j >= dim) refuse(`index ${raw} out of range for a dimension of ${dim}`);
    // the output position's coordinates, with the axis coordinate replaced by the index
    let at = 0;
    let rest = k;
    for (let i = 0; i < r; i++) {
      const c = Math.floor(rest / is[i]!);
      rest -= c * is[i]!;
      at += (i === axis ? j : c) * ds[i]!;
    }
    out[k] = d.data[at]!;
  }
  return [constOf(d.dtype, ix.shape, out)];
}

export default [{ op: 'GatherElements', versions: [11, 13], constantOnly: true, fold, infer: () => [], lower: notLowered }] satisfies Lowering[];

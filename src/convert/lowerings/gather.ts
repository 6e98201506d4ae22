/** Gather: folded when data and indices are constant (shape arithmetic). */
import { attrInt, normAxis, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';
import { constOf, strides } from '../lower-util.js';

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, ['axis']);
  const d = ctx.const(n.inputs[0]!);
  const ix = ctx.const(n.inputs[1]!);
  if (!d || !ix) return undefined;
  const axis = normAxis(attrInt(n, 'axis', 0), d.shape.length);
  const dim = d.shape[axis]!;
  const shape = [...d.shape.slice(0, axis), ...ix.shape, ...d.shape.slice(axis + 1)];
  const outer = d.shape.slice(0, axis).reduce((p, v) => p * v, 1);
  const inner = strides(d.shape)[axis]!;
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const raw of ix.data) {
      const i = raw < 0 ? raw + dim : raw;
      if (i < 0 || i >= dim) refuse(`index ${raw} out of range`);
      for (let k = 0; k < inner; k++) out.push(d.data[(o * dim + i) * inner + k]!);
    }
  }
  return [constOf(d.dtype, shape, out)];
}

export default [{ op: 'Gather', versions: [1, 11, 13], constantOnly: true, fold, infer: () => [], lower: notLowered }] satisfies Lowering[];

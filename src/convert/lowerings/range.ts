/** Range: folded when start, limit and delta are constant. */
import { onlyAttrs, refuse, type IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';
import { constOf } from '../lower-util.js';

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const [s, l, d] = [0, 1, 2].map((i) => ctx.const(n.inputs[i]!));
  if (!s || !l || !d) return undefined;
  const start = s.data[0]!;
  const delta = d.data[0]!;
  if (delta === 0) refuse('values-invalid', { what: 'delta', values: [delta], need: 'non-zero' });
  const count = Math.max(Math.ceil((l.data[0]! - start) / delta), 0);
  ctx.checkFoldSize(count, 'Range');
  return [constOf(s.dtype, [count], Array.from({ length: count }, (_, i) => start + i * delta))];
}

export default [{ op: 'Range', versions: [11], constantOnly: true, fold, infer: () => [], lower: notLowered }] satisfies Lowering[];

/** Where: folded on constants. */
import { onlyAttrs, type IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';
import { broadcastBinary } from '../lower-util.js';

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, []);
  const [c, x, y] = [0, 1, 2].map((i) => ctx.const(n.inputs[i]!));
  if (!c || !x || !y) return undefined;
  // select elementwise with broadcasting: encode (cond, x) then combine with y
  const pick = broadcastBinary(c, x, (cv, xv) => (cv ? xv : NaN), x.dtype);
  const isX = broadcastBinary(c, x, (cv) => (cv ? 1 : 0), x.dtype);
  const both = broadcastBinary(pick, y, (p, yv) => p * 0 + yv, x.dtype); // shape of the full broadcast
  const sel = broadcastBinary(isX, both, (s) => s, x.dtype);
  const px = broadcastBinary(pick, both, (p) => p, x.dtype);
  const out = broadcastBinary(sel, both, (s, yv) => s, x.dtype);
  for (let i = 0; i < out.data.length; i++) out.data[i] = sel.data[i] ? px.data[i]! : both.data[i]!;
  return [out];
}

export default [{ op: 'Where', versions: [9, 16], constantOnly: true, fold, infer: () => [], lower: notLowered }] satisfies Lowering[];

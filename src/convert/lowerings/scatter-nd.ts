/** ScatterND: folded on constants only (Swin's shifted-window attention mask is built from constants). */
import { attrString, onlyAttrs, refuse, type IrNode } from '../ir.js';
import { notLowered, type InferContext, type Lowering } from '../lowering.js';
import { constOf, strides } from '../lower-util.js';

const COMBINE: Record<string, (a: number, b: number) => number> = {
  none: (_a, b) => b, add: (a, b) => a + b, mul: (a, b) => a * b, max: Math.max, min: Math.min,
};

function fold(n: IrNode, ctx: InferContext) {
  onlyAttrs(n, n.since >= 16 ? ['reduction'] : []);
  const [d, ix, up] = [0, 1, 2].map((i) => ctx.const(n.inputs[i]!));
  if (!d || !ix || !up) return undefined;
  const reduction = attrString(n, 'reduction', 'none');
  const combine = COMBINE[reduction];
  if (!combine || ((reduction === 'max' || reduction === 'min') && n.since < 18)) refuse(`reduction '${reduction}' is not defined at this version`);
  const k = ix.shape[ix.shape.length - 1]!;
  if (k > d.shape.length) refuse('index tuples are longer than the data rank');
  const st = strides(d.shape);
  const inner = d.shape.slice(k).reduce((p, v) => p * v, 1);
  const out = Array.from(d.data);
  const count = ix.data.length / Math.max(k, 1);
  if (up.data.length !== count * inner) refuse(`updates of shape [${up.shape}] do not match indices [${ix.shape}]`);
  const seen = new Set<number>();
  for (let t = 0; t < count; t++) {
    let base = 0;
    for (let j = 0; j < k; j++) {
      const dim = d.shape[j]!;
      const v = ix.data[t * k + j]!;
      const w = v < 0 ? v + dim : v;
      if (w < 0 || w >= dim) refuse(`index ${v} out of range for a dimension of ${dim}`);
      base += w * st[j]!;
    }
    // duplicate targets with reduction none are undefined in ONNX: refuse rather than pick one
    if (reduction === 'none' && seen.has(base)) refuse('duplicate indices with reduction none');
    seen.add(base);
    for (let e = 0; e < inner; e++) out[base + e] = combine(out[base + e]!, up.data[t * inner + e]!);
  }
  return [constOf(d.dtype, d.shape, out)];
}

export default [{ op: 'ScatterND', versions: [11, 13, 16, 18], constantOnly: true, fold, infer: () => [], lower: notLowered }] satisfies Lowering[];

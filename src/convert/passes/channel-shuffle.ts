/**
 * Finds channel shuffles: Reshape (one axis split into factors) -> [Identity...] -> Transpose (permuting
 * only those factors) -> [Identity...] -> Reshape (back to the input's shape). Such a chain moves whole
 * slices along that one axis: output slice j is input slice indices[j] (ShuffleNet / FBNet's channel
 * shuffle). The Identities are torch's clone() or a QDQ model's pairs (passes/qdq.ts); in a QDQ model a
 * chain whose values carry other params than its input rounds to another grid there, and is not a shuffle
 * alone.
 */
import { graphLinks, type IrGraph, type IrNode } from '../ir.js';
import { strides } from '../lower-util.js';

export interface ChannelShuffle {
  /** the nodes of the chain, first to last (Reshape, Transpose, Identity..., Reshape) */
  nodes: IrNode[];
  /** the value shuffled and the shuffled result (same shape) */
  input: string;
  output: string;
  axis: number;
  /** output slice j along `axis` is input slice indices[j] */
  indices: number[];
}

/** The split axis of `from` -> `to` (prefix and suffix axes kept), or undefined. */
function splitAxis(from: number[], to: number[]): { axis: number; end: number } | undefined {
  if (to.length <= from.length) return undefined;
  let p = 0;
  while (p < from.length - 1 && from[p] === to[p]) p++;
  const s = from.length - 1 - p;
  const end = to.length - s;
  for (let k = 0; k < s; k++) if (from[p + 1 + k] !== to[end + k]) return undefined;
  const size = to.slice(p, end).reduce((a, b) => a * b, 1);
  return size === from[p] ? { axis: p, end } : undefined;
}

/** Where each output position along the axis reads from: the factor grid transposed by `perm`. */
function gatherIndices(factors: number[], perm: number[]): number[] {
  const outShape = perm.map((i) => factors[i]!);
  const inStrides = strides(factors);
  const total = factors.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  const idx = new Array<number>(outShape.length).fill(0);
  for (let k = 0; k < total; k++) {
    let src = 0;
    for (let j = 0; j < perm.length; j++) src += idx[j]! * inStrides[perm[j]!]!;
    out.push(src);
    for (let j = outShape.length - 1; j >= 0; j--) {
      if (++idx[j]! < outShape[j]!) break;
      idx[j] = 0;
    }
  }
  return out;
}

/** In a QDQ model: every value of the chain without params or with those of its input `x` (an Identity's are its input's). */
function sameParamsThroughout(g: IrGraph, x: string, nodes: IrNode[], producer: ReadonlyMap<string, IrNode>): boolean {
  const qdq = g.qdq!;
  let v = x;
  for (let p = producer.get(v); !qdq.activations.has(v) && p?.op === 'Identity'; p = producer.get(v)) v = p.inputs[0]!;
  const at = qdq.activations.get(v);
  return nodes.every((n) => n.outputs.every((o) => {
    const a = o ? qdq.activations.get(o) : undefined;
    return !a || (!!at && a.scale.length === at.scale.length && a.scale.every((s, i) => s === at.scale[i] && a.zeroPoint[i] === at.zeroPoint[i]));
  }));
}

/** Every channel shuffle of the graph whose inner values have no other reader (and that moves something). */
export function findChannelShuffles(g: IrGraph): ChannelShuffle[] {
  const { producer, only } = graphLinks(g);
  const shape = (v: string) => g.values.get(v)?.shape;
  const found: ChannelShuffle[] = [];
  for (const t of g.nodes) {
    if (t.op !== 'Transpose') continue;
    // torch's clone() or a QDQ pair between them may stay as an Identity
    const before: IrNode[] = [];
    let r1 = producer.get(t.inputs[0]!);
    while (r1?.op === 'Identity' && only(r1.outputs[0]!) === (before[0] ?? t)) {
      before.unshift(r1);
      r1 = producer.get(r1.inputs[0]!);
    }
    const between: IrNode[] = [];
    let r2 = only(t.outputs[0]!);
    while (r2?.op === 'Identity') {
      between.push(r2);
      r2 = only(r2.outputs[0]!);
    }
    if (r1?.op !== 'Reshape' || r2?.op !== 'Reshape' || only(r1.outputs[0]!) !== (before[0] ?? t)) continue;
    const x = r1.inputs[0]!;
    const [xs, split, ys] = [shape(x), shape(t.inputs[0]!), shape(r2.outputs[0]!)];
    if (!xs || !split || !ys || ys.join() !== xs.join() || g.values.get(x)?.const) continue;
    const at = splitAxis(xs, split);
    const permAttr = t.attrs.get('perm');
    if (!at || permAttr?.type !== 'ints' || permAttr.value.length !== split.length) continue;
    const perm = permAttr.value;
    // only the split factors may move
    if (perm.some((p, i) => (i < at.axis || i >= at.end ? p !== i : p < at.axis || p >= at.end))) continue;
    const indices = gatherIndices(split.slice(at.axis, at.end), perm.slice(at.axis, at.end).map((p) => p - at.axis));
    if (indices.every((v, i) => v === i)) continue; // moves nothing: left to the layout's reshape folding
    const nodes = [r1, ...before, t, ...between, r2];
    if (g.qdq && !sameParamsThroughout(g, x, nodes, producer)) continue;
    found.push({ nodes, input: x, output: r2.outputs[0]!, axis: at.axis, indices });
  }
  return found;
}

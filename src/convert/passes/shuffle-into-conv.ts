/**
 * Channel shuffles absorbed by the convolutions after them (default; FBNet's Reshape-Transpose-Reshape
 * before a depthwise conv and a grouped 1x1 conv). A shuffle only reorders channels, so when its result
 * flows through per-channel ops (depthwise Conv with one filter per channel, unary activations) into a
 * Conv, the shuffle can go: each depthwise filter and bias moves to the channel it now reads, and the
 * closing Conv takes its input channels in the unshuffled order - a permutation of its weights for
 * group 1; for a grouped Conv (group <= 2), a group-1 Conv whose weights are zero where an input channel
 * is outside the output's group (zero products add nothing for finite inputs; the shuffle's 3 TFLite ops
 * go for at most twice the MACs of one conv, all of it delegated to XNNPACK, where GATHER is not).
 *
 * In a QDQ model the new weights and biases keep the params of the constants they replace (ir.qdq, keyed
 * by value name): per-axis scales along the output channels move with the depthwise filters they belong
 * to; the closing conv's output channels stay where they are, so its scales do too. Params along any
 * other axis cannot follow the reshuffled or widened input channels: such a shuffle is left in place.
 */
import { OnnxDataType } from '../../onnx/model.js';
import { graphLinks, type Int8Annotation, type IrGraph, type IrNode } from '../ir.js';
import { findChannelShuffles } from './channel-shuffle.js';

/** Unary ops that act on each element alone (channel order is irrelevant to them). */
const ELEMENTWISE = new Set(['Relu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'LeakyRelu', 'Elu', 'Selu', 'Softplus', 'Abs', 'Neg', 'Identity']);
/** The largest group count expanded to a group-1 conv (its cost grows with the group count). */
const MAX_GROUP = 2;

function intAttr(n: IrNode, name: string, dflt: number): number | undefined {
  const a = n.attrs.get(name);
  return !a ? dflt : a.type === 'int' ? a.value : undefined;
}

/** Params of `a` for constants whose slice k along axis 0 is the old slice from[k] (per tensor: the same). */
function permuted(a: Int8Annotation, from: readonly number[]): Int8Annotation {
  if (a.scale.length === 1) return a;
  return { scale: from.map((k) => a.scale[k]!), zeroPoint: from.map((k) => a.zeroPoint[k]!), axis: 0 };
}

/**
 * The closing conv's weights as a group-1 conv reading the unshuffled channels (zero outside each
 * output's group). Each output row copies its group's weights to the places the unshuffled order gives
 * them, found once per group: only the non-zeros are visited, and no division per element (the loop
 * runs interpreted for most of a conversion, so each step counts). In small functions: V8 optimises a
 * hot loop mid-run (OSR), and the background compile of a small function ends long before the process
 * does, where one of the whole pass took hundreds of ms that exit then waited for.
 */
function unshuffledWeights(w: Float32Array | Float64Array, pos: readonly number[], cout: number, coutPerGroup: number, cinPerGroup: number, area: number): Float32Array {
  const c = pos.length;
  const out = new Float32Array(cout * c * area);
  // at[g][t * area + a]: where element a of group g's input channel t goes in an output row
  const at: Int32Array[] = [];
  for (let g = 0; g < c / cinPerGroup; g++) at.push(new Int32Array(cinPerGroup * area));
  for (let k = 0; k < c; k++) {
    const j = pos[k]!;
    const g = Math.floor(j / cinPerGroup);
    for (let a = 0; a < area; a++) at[g]![(j - g * cinPerGroup) * area + a] = k * area + a;
  }
  const rowLength = cinPerGroup * area;
  for (let o = 0; o < cout; o++) scatterRow(out, o * c * area, w, o * rowLength, at[Math.floor(o / coutPerGroup)]!, rowLength);
  return out;
}

/** out[dst + at[t]] = w[src + t] for the n elements of one row. */
function scatterRow(out: Float32Array, dst: number, w: Float32Array | Float64Array, src: number, at: Int32Array, n: number): void {
  for (let t = 0; t < n; t++) out[dst + at[t]!] = w[src + t]!;
}

/**
 * Per-channel data (a depthwise filter's `per` values per channel, or a bias with per = 1) with channel k
 * taken from channel pos[k]. Element by element, in its own function, as unshuffledWeights (a subarray
 * per channel, or Float32Array.from with a callback, costs more than the copy).
 */
function channelsFrom(data: Float32Array | Float64Array, pos: readonly number[], per: number): Float32Array {
  const out = new Float32Array(pos.length * per);
  for (let k = 0; k < pos.length; k++) {
    const src = pos[k]! * per;
    const dst = k * per;
    for (let a = 0; a < per; a++) out[dst + a] = data[src + a]!;
  }
  return out;
}

export function shuffleIntoConv(g: IrGraph): number {
  const { only } = graphLinks(g);
  const constOf = (v: string | undefined) => (v ? g.values.get(v)?.const : undefined);
  let absorbed = 0;
  for (const s of findChannelShuffles(g)) {
    const xs = g.values.get(s.input)?.shape;
    if (s.axis !== 1 || xs?.length !== 4) continue;
    const c = xs[1]!;
    // follow the shuffled value through per-channel ops to the Conv that closes the chain
    const depthwise: IrNode[] = [];
    let v = s.output;
    let close: IrNode | undefined;
    for (let n = only(v); n; n = only(v)) {
      if (n.inputs[0] !== v || n.outputs.length !== 1) break;
      const w = n.op === 'Conv' ? constOf(n.inputs[1]) : undefined;
      const group = n.op === 'Conv' ? intAttr(n, 'group', 1) : undefined;
      if (n.op === 'Conv' && w && group !== undefined && (!n.inputs[2] || constOf(n.inputs[2])) && w.shape.length === 4 && w.shape[1]! * group === c) {
        if (group === c && w.shape[0] === c) {
          depthwise.push(n);
          v = n.outputs[0]!;
          continue;
        }
        if (group <= MAX_GROUP && w.shape[0]! % group === 0) close = n;
        break;
      }
      if (!ELEMENTWISE.has(n.op) || n.inputs.length !== 1) break;
      v = n.outputs[0]!;
    }
    if (!close) continue;
    // QDQ params of the rewritten constants must be per tensor or along the output channels (axis 0)
    const qdqConsts = g.qdq?.constants;
    const rewritten = [...depthwise.flatMap((n) => [n.inputs[1], n.inputs[2]]), close.inputs[1]];
    if (qdqConsts && rewritten.some((v) => { const a = v ? qdqConsts.get(v) : undefined; return !!a && a.scale.length > 1 && a.axis !== 0; })) continue;
    // pos[k]: where input channel k sits after the shuffle
    const pos = new Array<number>(c);
    s.indices.forEach((k, j) => { pos[k] = j; });
    /** a new float constant; `from`: the constant it replaces, whose QDQ params it takes (slice k of axis 0 from slice order[k]) */
    const newConst = (n: IrNode, what: string, shape: number[], data: Float32Array, from: string, order?: readonly number[]): string => {
      const name = `${n.name || n.outputs[0]}__unshuffled_${what}`;
      g.values.set(name, { name, dtype: OnnxDataType.FLOAT, shape, const: { dtype: OnnxDataType.FLOAT, shape, data } });
      const a = qdqConsts?.get(from);
      if (a) qdqConsts!.set(name, order ? permuted(a, order) : a);
      return name;
    };
    for (const n of depthwise) {
      const w = constOf(n.inputs[1])!;
      const wNew = channelsFrom(w.data, pos, w.data.length / c);
      const inputs = [n.inputs[0]!, newConst(n, 'weights', w.shape, wNew, n.inputs[1]!, pos)];
      const b = constOf(n.inputs[2]);
      if (b) inputs.push(newConst(n, 'bias', b.shape, channelsFrom(b.data, pos, 1), n.inputs[2]!, pos));
      n.inputs = inputs;
    }
    const w = constOf(close.inputs[1])!;
    const group = intAttr(close, 'group', 1)!;
    const [cout, cinPerGroup, kh, kw] = w.shape as [number, number, number, number];
    const coutPerGroup = cout / group;
    const area = kh * kw;
    const wNew = unshuffledWeights(w.data, pos, cout, coutPerGroup, cinPerGroup, area);
    close.inputs = [close.inputs[0]!, newConst(close, 'weights', [cout, c, kh, kw], wNew, close.inputs[1]!), ...close.inputs.slice(2)];
    close.attrs.set('group', { type: 'int', value: 1 });
    // the chain now reads the unshuffled value
    const first = only(s.output)!;
    first.inputs = [s.input, ...first.inputs.slice(1)];
    g.nodes = g.nodes.filter((n) => !s.nodes.includes(n));
    absorbed++;
  }
  return absorbed;
}

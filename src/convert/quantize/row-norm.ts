/**
 * Operators an int8 model keeps float because of where they sit, not what they are (int8-rules.ts
 * FLOAT_BY_PLACE says why):
 * - a row normalization (LayerNorm as its lowering writes it: MEAN, SUB, MUL square, MEAN, ADD eps,
 *   RSQRT, MUL, then its affine MUL / ADD by constants) of the residual stream (an ADD or CONCATENATION
 *   writes its input), and
 * - the ADD / CONCATENATION chain that only feeds such float operators (a transformer's residual stream
 *   and, in a ViT, the class-token concatenation and position-embedding add before the first LayerNorm).
 */
import { producerIndex, readerIndex, type TfliteGraph } from '../tflite/model.js';
import type { FloatReason } from './decisions.js';
import { FLOAT_BY_PLACE } from './int8-rules.js';

const isConst = (g: TfliteGraph, t: number) => t >= 0 && !!g.tensors[t]!.data;

/**
 * The operators of every row normalization in `g`: MEAN(x) -> SUB(x, mean) = c -> MUL(c, c) -> MEAN ->
 * ADD(eps) -> RSQRT = r -> MUL(c, r), and the constant MUL / ADD that follow as its only readers.
 */
export function rowNormalizations(g: TfliteGraph): number[][] {
  const readers = readerIndex(g);
  const only = (t: number, op: string): number | undefined => {
    const r = readers.get(t) ?? [];
    return r.length === 1 && g.operators[r[0]!]!.op === op && !g.outputs.includes(t) ? r[0] : undefined;
  };
  const out: number[][] = [];
  g.operators.forEach((mean, m1) => {
    if (mean.op !== 'MEAN') return;
    const x = mean.inputs[0]!;
    const s = only(mean.outputs[0]!, 'SUB');
    if (s === undefined || g.operators[s]!.inputs[0] !== x) return;
    const c = g.operators[s]!.outputs[0]!;
    const cReaders = readers.get(c) ?? [];
    const sq = cReaders.find((i) => g.operators[i]!.op === 'MUL' && g.operators[i]!.inputs.every((t) => t === c));
    if (sq === undefined || cReaders.length !== 2) return;
    const m2 = only(g.operators[sq]!.outputs[0]!, 'MEAN');
    const eps = m2 === undefined ? undefined : only(g.operators[m2]!.outputs[0]!, 'ADD');
    const rs = eps === undefined ? undefined : only(g.operators[eps]!.outputs[0]!, 'RSQRT');
    if (rs === undefined || !g.operators[eps!]!.inputs.some((t) => isConst(g, t))) return;
    const inv = g.operators[rs]!.outputs[0]!;
    const normed = cReaders.find((i) => i !== sq);
    const nOp = normed === undefined ? undefined : g.operators[normed]!;
    if (!nOp || nOp.op !== 'MUL' || !nOp.inputs.includes(inv) || !nOp.inputs.includes(c) || only(inv, 'MUL') !== normed) return;
    const chain = [m1, s, sq, m2!, eps!, rs, normed!];
    // the affine part: a constant MUL (scale) and / or ADD (bias) as the only reader
    let last = normed!;
    for (const op of ['MUL', 'ADD']) {
      const next = only(g.operators[last]!.outputs[0]!, op);
      if (next === undefined || !g.operators[next]!.inputs.some((t) => isConst(g, t))) continue;
      chain.push(next);
      last = next;
    }
    out.push(chain);
  });
  return out;
}

/** Operators kept float by place (their index -> why), see the header. */
export function floatByPlace(g: TfliteGraph): Map<number, FloatReason> {
  const kept = new Map<number, FloatReason>();
  const producer = producerIndex(g);
  for (const chain of rowNormalizations(g)) {
    // only a normalization of the residual stream (its input an ADD or CONCATENATION); one that reads a
    // convolution's output (ConvNeXt) gains nothing from float (measured: 26.4 -> 27.0 dB) and stays int8
    const from = producer.get(g.operators[chain[0]!]!.inputs[0]!);
    if (from === undefined || !FLOAT_BY_PLACE.feedsFloatOps.includes(g.operators[from]!.op)) continue;
    for (const i of chain) kept.set(i, FLOAT_BY_PLACE.rowNormalization);
  }
  if (!kept.size) return kept;
  const readers = readerIndex(g);
  // backwards from the normalizations' inputs: an ADD / CONCATENATION all of whose readers are float
  // would round its output to int8 only for float operators to read it back
  for (let i = g.operators.length - 1; i >= 0; i--) {
    const op = g.operators[i]!;
    if (kept.has(i) || !FLOAT_BY_PLACE.feedsFloatOps.includes(op.op)) continue;
    const outs = op.outputs;
    const allFloat = outs.every((t) => !g.outputs.includes(t) && (readers.get(t) ?? []).length > 0 && readers.get(t)!.every((r) => kept.has(r)));
    const computed = op.inputs.some((t) => t >= 0 && !isConst(g, t) && (producer.has(t) || g.inputs.includes(t)));
    if (allFloat && computed) kept.set(i, FLOAT_BY_PLACE.feedsFloat);
  }
  return kept;
}

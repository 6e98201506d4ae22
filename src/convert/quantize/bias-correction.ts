/**
 * Bias correction for int8 weights (Nagel et al., "Data-Free Quantization", section 4.2, empirical
 * form): rounding a filter to int8 shifts every output channel's mean by (W_int8 - W) . E[x], a
 * systematic error the next layers pass on (largest for depthwise 3x3 filters: 9 weights per scale).
 * With the input's per-channel means measured on the calibration samples, the float bias is moved by
 * the opposite amount before the int8 pass quantizes it, so the int8 layer's expected output is the
 * float layer's. Conv padding is ignored (its zeros make the true shift a little smaller at borders).
 */
import { producerIndex, type TfliteGraph } from '../tflite/model.js';
import { INT8_RULES } from './int8-rules.js';
import { symmetricInt8 } from './weights.js';

/** The weighted operators' inputs whose channel means bias correction needs. */
export function biasCorrectionInputs(g: TfliteGraph): Set<number> {
  const out = new Set<number>();
  for (const op of g.operators) {
    const rule = INT8_RULES[op.op];
    const w = op.inputs[1];
    if (rule?.kind !== 'weighted' || w === undefined || w < 0 || !g.tensors[w]!.data || g.tensors[w]!.type !== 'FLOAT32') continue;
    const x = op.inputs[0]!;
    if (x >= 0 && g.tensors[x]!.type === 'FLOAT32' && !g.tensors[x]!.data) out.add(x);
  }
  return out;
}

/** Running per-element sums of tensors over the calibration samples. */
export class ElementMeans {
  private readonly sums = new Map<number, Float64Array>();
  private readonly counts = new Map<number, number>();

  add(t: number, data: ArrayLike<number>): void {
    let s = this.sums.get(t);
    if (!s) this.sums.set(t, (s = new Float64Array(data.length)));
    if (s.length !== data.length) return;
    for (let i = 0; i < data.length; i++) s[i]! += data[i]!;
    this.counts.set(t, (this.counts.get(t) ?? 0) + 1);
  }

  /** Mean over samples and over all but the last `inner` elements: length `inner` (row-major rows). */
  rowMean(t: number, inner: number): Float64Array | undefined {
    const s = this.sums.get(t);
    const n = this.counts.get(t);
    if (!s || !n || inner <= 0 || s.length % inner !== 0) return undefined;
    const out = new Float64Array(inner);
    for (let i = 0; i < s.length; i++) out[i % inner]! += s[i]!;
    const rows = (s.length / inner) * n;
    for (let i = 0; i < inner; i++) out[i]! /= rows;
    return out.every(Number.isFinite) ? out : undefined;
  }
}

/** Ops that move, pick or offset values (a constant bias ADD) on the way from a weighted op to what reads it. */
const PASS_THROUGH = new Set(['RESHAPE', 'TRANSPOSE', 'SQUEEZE', 'EXPAND_DIMS', 'GATHER', 'SLICE', 'STRIDED_SLICE', 'SPLIT', 'SPLIT_V', 'ADD']);

/**
 * Weighted operators whose output is divided by its own L2 norm, x / max(sqrt(sum(x * x)), eps) as
 * F.normalize lowers (MUL, SUM, SQRT, MAXIMUM, optional BROADCAST_TO, DIV), reached through ops that
 * only move values or add a constant. Such a quotient ignores scale: an all-zero row (padding) is 0
 * in float only because x is exactly 0 there, and a corrected bias moves it off 0, which the division
 * blows up into a unit vector (swin_v2's keys of padded windows). Their bias is left as it is.
 */
export function l2NormalizedSources(g: TfliteGraph): Set<number> {
  const producer = producerIndex(g);
  const isConst = (t: number) => t >= 0 && !!g.tensors[t]!.data;
  const opOf = (t: number | undefined, name: string) => {
    const i = t === undefined ? undefined : producer.get(t);
    return i !== undefined && g.operators[i]!.op === name ? g.operators[i]! : undefined;
  };
  const out = new Set<number>();
  for (const div of g.operators) {
    if (div.op !== 'DIV') continue;
    const [x, den] = div.inputs as [number, number];
    let clamp = opOf(den, 'BROADCAST_TO');
    clamp = opOf(clamp ? clamp.inputs[0] : den, 'MAXIMUM');
    const sqrt = opOf(clamp?.inputs.find((t) => !isConst(t)), 'SQRT');
    const sum = opOf(sqrt?.inputs[0], 'SUM');
    const square = opOf(sum?.inputs[0], 'MUL');
    if (!square || square.inputs[0] !== x || square.inputs[1] !== x) continue;
    // back from x to the weighted operator that computed it
    for (let t: number | undefined = x; t !== undefined;) {
      const i = producer.get(t);
      if (i === undefined) break;
      const op = g.operators[i]!;
      if (INT8_RULES[op.op]?.kind === 'weighted') { out.add(i); break; }
      if (!PASS_THROUGH.has(op.op)) break;
      const moving = op.inputs.filter((u) => u >= 0 && !isConst(u));
      t = moving.length === 1 ? moving[0] : undefined;
    }
  }
  return out;
}

function floatValues(data: Uint8Array): Float32Array {
  return new Float32Array(data.slice().buffer);
}

function floatBytes(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

/**
 * Moves the bias of every CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED with constant weights by
 * -(W_int8 - W) . E[x] (the int8 pass then quantizes the corrected bias). A bias shared with another
 * operator is copied first; an operator without bias gets one. Operators in `keepFloat` (indexes) and
 * those an L2 normalization reads (l2NormalizedSources) are left alone. Returns how many operators changed.
 */
export function correctBiases(g: TfliteGraph, means: ElementMeans, keepFloat?: ReadonlySet<number>): number {
  const normalized = l2NormalizedSources(g);
  const readers = new Map<number, number>();
  for (const op of g.operators) for (const t of op.inputs) if (t >= 0) readers.set(t, (readers.get(t) ?? 0) + 1);
  let changed = 0;
  for (const [index, op] of g.operators.entries()) {
    const rule = INT8_RULES[op.op];
    // an operator kept float keeps its float weights: nothing to correct
    if (rule?.kind !== 'weighted' || keepFloat?.has(index) || normalized.has(index)) continue;
    const [x, w] = op.inputs as [number, number];
    if (w < 0 || !g.tensors[w]!.data || g.tensors[w]!.type !== 'FLOAT32' || x < 0) continue;
    const wt = g.tensors[w]!;
    const W = floatValues(wt.data!);
    const q = symmetricInt8(W, wt.shape, rule.weightAxis);
    const inner = wt.shape.slice((rule.weightAxis ?? -1) + 1).reduce((a, d) => a * d, 1);
    const scaleOf = (i: number) => q.scale[rule.weightAxis === undefined ? 0 : Math.floor(i / inner) % q.scale.length]!;
    let shift: Float64Array;
    if (op.op === 'CONV_2D' || op.op === 'FULLY_CONNECTED') {
      // filter [O, ..., I]: output o reads input channel i = index mod I
      const [O, I] = [wt.shape[0]!, wt.shape[wt.shape.length - 1]!];
      const mean = op.op === 'CONV_2D' ? means.rowMean(x, I) : means.rowMean(x, wt.shape.slice(1).reduce((a, d) => a * d, 1));
      if (!mean) continue;
      shift = new Float64Array(O);
      const per = W.length / O;
      for (let i = 0; i < W.length; i++) shift[Math.floor(i / per)]! += (q.values[i]! * scaleOf(i) - W[i]!) * mean[i % per % mean.length]!;
    } else {
      // depthwise filter [1, H, W, O]: output o reads input channel floor(o / multiplier)
      const O = wt.shape[3]!;
      const I = g.tensors[x]!.shape.at(-1)!;
      const mean = means.rowMean(x, I);
      if (!mean || O % I !== 0) continue;
      const mult = O / I;
      shift = new Float64Array(O);
      for (let i = 0; i < W.length; i++) shift[i % O]! += (q.values[i]! * scaleOf(i) - W[i]!) * mean[Math.floor((i % O) / mult)]!;
    }
    const O = shift.length;
    let b = op.inputs[2];
    let bias: Float32Array;
    if (b === undefined || b < 0) {
      bias = new Float32Array(O);
    } else {
      if (!g.tensors[b]!.data || g.tensors[b]!.type !== 'FLOAT32' || g.tensors[b]!.shape.reduce((a, d) => a * d, 1) !== O) continue;
      bias = floatValues(g.tensors[b]!.data!);
    }
    for (let o = 0; o < O; o++) bias[o] = bias[o]! - shift[o]!;
    if (b === undefined || b < 0 || readers.get(b)! > 1) {
      b = g.addFloatConst(`${wt.name}_bias_corrected`, [O], bias);
      op.inputs[2] = b;
    } else {
      g.tensors[b]!.data = floatBytes(bias);
    }
    changed++;
  }
  return changed;
}

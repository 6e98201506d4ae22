/**
 * Range collection for int8 calibration: the float .tflite is run by the real LiteRT interpreter
 * (LiteRT.js) with every float activation tensor made a graph output, once per calibration
 * sample, and the min/max of each tensor is kept. The ranges so belong to the TFLite tensors
 * themselves, after folding and activation fusion (a conv's output range is its fused-ReLU range).
 */
import { openTflite } from '../../verify/litert.js';
import { producerIndex, TfliteGraph } from '../tflite/model.js';
import { writeVersionedTflite } from '../tflite/write.js';
import type { ElementMeans } from './bias-correction.js';
import { Histogram, isValue } from './histogram.js';

export interface Range {
  min: number;
  max: number;
}

/** A copy of `g` (sharing its tensors and operators) whose outputs are `outputs`, named by tensor name. */
export function withOutputs(g: TfliteGraph, outputs: readonly number[]): TfliteGraph {
  const copy = new TfliteGraph();
  copy.tensors.push(...g.tensors);
  copy.operators.push(...g.operators);
  copy.inputs = [...g.inputs];
  copy.signatureInputs = [...g.signatureInputs];
  copy.outputs = [...outputs];
  copy.signatureOutputs = outputs.map((t) => ({ name: g.tensors[t]!.name, tensor: t }));
  copy.description = g.description;
  return copy;
}

/** Float tensors an operator writes: the activations whose ranges int8 needs. */
export function activationTensors(g: TfliteGraph): number[] {
  const seen = new Set<number>();
  for (const op of g.operators) for (const t of op.outputs) if (g.tensors[t]!.type === 'FLOAT32') seen.add(t);
  return [...seen].sort((a, b) => a - b);
}

function widen(r: Range | undefined, data: ArrayLike<number>): Range {
  let { min, max } = r ?? { min: Infinity, max: -Infinity };
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!isValue(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

type Visit = (tensor: number, data: ArrayLike<number>) => void;

/** Runs the float graph on every sample and shows `visit` each graph input and activation. */
async function visitActivations(g: TfliteGraph, samples: readonly Float32Array[][], visit: Visit, onProgress?: (done: number) => void): Promise<number[]> {
  const acts = activationTensors(g);
  const calibrating = withOutputs(g, acts);
  const session = await openTflite(writeVersionedTflite(calibrating));
  const byName = new Map(acts.map((t) => [g.tensors[t]!.name, t]));
  try {
    for (let k = 0; k < samples.length; k++) {
      const sample = samples[k]!;
      g.inputs.forEach((t, i) => visit(t, sample[i]!));
      const run = await session.run(g.inputs.map((t, i) => ({ dims: g.tensors[t]!.shape, data: sample[i]! })));
      if (run.errors.length) throw new Error(`LiteRT could not run the float model on calibration sample ${k}: ${run.errors.join('; ')}`);
      for (const out of run.outputs) {
        const t = byName.get(out.name);
        if (t === undefined) throw new Error(`calibration run returned an unknown output '${out.name}'`);
        visit(t, out.data as ArrayLike<number>);
      }
      onProgress?.(k + 1);
    }
  } finally {
    session.close();
  }
  return acts;
}

export type RangeMethod = 'minmax' | 'mse';

/** Ops that move or pick values without changing them: their output's extremes are their input's. */
const VALUE_PRESERVING = new Set(['RESHAPE', 'SQUEEZE', 'TRANSPOSE', 'EXPAND_DIMS']);

/**
 * Tensors whose extremes are what a reader looks at, so their range must not clip them: the graph's
 * outputs (top-1 is the largest logit: clipping it ties the top classes) and the inputs of SOFTMAX,
 * followed back through reshapes to the tensor an op computed.
 */
export function extremeTensors(g: TfliteGraph): Set<number> {
  const producer = producerIndex(g);
  const out = new Set<number>();
  for (const t of g.outputs) for (const u of valueChain(g, producer, t)) out.add(u);
  for (const op of g.operators) if (op.op === 'SOFTMAX') for (const u of valueChain(g, producer, op.inputs[0]!)) out.add(u);
  return out;
}

/** `t` and the tensors it is a reshape or transpose of, back to the one an operator computed. */
function valueChain(g: TfliteGraph, producer: ReadonlyMap<number, number>, t: number): number[] {
  const chain: number[] = [];
  for (let cur: number | undefined = t; cur !== undefined && !chain.includes(cur);) {
    chain.push(cur);
    const p = producer.get(cur);
    const op = p === undefined ? undefined : g.operators[p]!;
    cur = op && VALUE_PRESERVING.has(op.op) ? op.inputs[0] : undefined;
  }
  return chain;
}

/**
 * How far under a row's largest logit SOFTMAX's int8 input still needs its values: exp(x - rowMax) for
 * every x further down sums, over the row's `rowLength` entries, to less than half the fixed output step
 * (1/256), so the output cannot tell them from that floor. Swin's shifted windows add -100 to masked
 * logits: kept, they stretch the input range ~10x and every unmasked logit loses as much precision.
 */
export function softmaxDepth(rowLength: number, beta: number): number {
  return Math.log(512 * Math.max(1, rowLength)) / (beta > 0 ? beta : 1);
}

/** Each SOFTMAX input's row length (its last dimension) and beta. */
function softmaxInputs(g: TfliteGraph): Map<number, { rowLength: number; beta: number }> {
  const out = new Map<number, { rowLength: number; beta: number }>();
  for (const op of g.operators) {
    if (op.op !== 'SOFTMAX') continue;
    const t = op.inputs[0]!;
    const beta = (op.options?.values as { beta?: unknown } | undefined)?.beta;
    out.set(t, { rowLength: g.tensors[t]!.shape.at(-1) ?? 1, beta: typeof beta === 'number' ? beta : 1 });
  }
  return out;
}

/** The least, over rows (last axis) and samples, of a row's largest value. */
function lowestRowMax(current: number | undefined, data: ArrayLike<number>, rowLength: number): number {
  let low = current ?? Infinity;
  for (let r = 0; r + rowLength <= data.length; r += rowLength) {
    let m = -Infinity;
    for (let i = r; i < r + rowLength; i++) if (isValue(data[i]!) && data[i]! > m) m = data[i]!;
    if (m < low) low = m;
  }
  return low;
}

export interface CollectOptions {
  /**
   * 'minmax': the observed min/max (what TF's calibrator keeps); 'mse' (default): each tensor's
   * histogram narrows its range where clipping the rare extremes costs less squared error than the
   * coarser step the full range forces on every value (histogram.ts), except on the tensors
   * extremeTensors picks, which keep their observed range.
   */
  method?: RangeMethod;
  onProgress?: (done: number) => void;
  /** also sums these tensors element by element (bias correction reads their means) */
  means?: { tensors: ReadonlySet<number>; into: ElementMeans };
}

/**
 * Ranges of every graph input and activation tensor over `samples` (samples[k][i]: sample k of
 * graph input i, in the .tflite's own input layout). Rejects when LiteRT reports an error.
 */
export async function collectRanges(g: TfliteGraph, samples: readonly Float32Array[][], opts: CollectOptions = {}): Promise<Map<number, Range>> {
  const method = opts.method ?? 'mse';
  const observed = new Map<number, Range>();
  const histograms = new Map<number, Histogram>();
  const rangeVisit: Visit = method === 'minmax'
    ? (t, data) => observed.set(t, widen(observed.get(t), data))
    : (t, data) => {
      let h = histograms.get(t);
      if (!h) histograms.set(t, (h = new Histogram()));
      h.add(data);
    };
  const { means } = opts;
  const softmax = method === 'mse' ? softmaxInputs(g) : new Map<number, { rowLength: number; beta: number }>();
  const rowMax = new Map<number, number>();
  const visit: Visit = (t, data) => {
    rangeVisit(t, data);
    if (means?.tensors.has(t)) means.into.add(t, data);
    const sm = softmax.get(t);
    if (sm) rowMax.set(t, lowestRowMax(rowMax.get(t), data, sm.rowLength));
  };
  const acts = await visitActivations(g, samples, visit, opts.onProgress);
  const extremes = extremeTensors(g);
  const ranges = method === 'minmax' ? observed
    : new Map([...histograms].map(([t, h]) => [t, extremes.has(t) ? { min: h.min, max: h.max } : h.bestInt8Range()]));
  // 'mse': a SOFTMAX input (and the tensors it merely reshapes) drops what lies deeper than softmaxDepth
  // under the lowest row maximum seen; its top stays (extremeTensors)
  const producer = producerIndex(g);
  for (const [t, sm] of softmax) {
    const floor = rowMax.get(t)! - softmaxDepth(sm.rowLength, sm.beta);
    for (const u of valueChain(g, producer, t)) {
      const r = ranges.get(u);
      if (r && Number.isFinite(floor) && r.min < floor) ranges.set(u, { min: Math.min(floor, r.max), max: r.max });
    }
  }
  for (const t of acts) if (!ranges.has(t)) throw new Error(`calibration did not see tensor '${g.tensors[t]!.name}'`);
  return ranges;
}

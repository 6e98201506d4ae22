/**
 * Range collection for int8 calibration: the float .tflite is run by the real LiteRT interpreter
 * (LiteRT.js) with every float activation tensor made a graph output, once per calibration
 * sample, and the min/max of each tensor is kept. The ranges so belong to the TFLite tensors
 * themselves, after folding and activation fusion (a conv's output range is its fused-ReLU range).
 */
import { openTflite } from '../../verify/litert.js';
import { TfliteGraph } from '../tflite/model.js';
import { assignOpVersions } from '../tflite/op-version.js';
import { writeTflite } from '../tflite/write.js';
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
  assignOpVersions(calibrating);
  const session = await openTflite(writeTflite(calibrating));
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
  const producer = new Map<number, number>();
  g.operators.forEach((op, i) => { for (const t of op.outputs) producer.set(t, i); });
  const out = new Set<number>();
  const mark = (t: number) => {
    for (let cur: number | undefined = t; cur !== undefined && !out.has(cur);) {
      out.add(cur);
      const p = producer.get(cur);
      const op = p === undefined ? undefined : g.operators[p]!;
      cur = op && VALUE_PRESERVING.has(op.op) ? op.inputs[0] : undefined;
    }
  };
  for (const t of g.outputs) mark(t);
  for (const op of g.operators) if (op.op === 'SOFTMAX') mark(op.inputs[0]!);
  return out;
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
  const visit: Visit = means
    ? (t, data) => { rangeVisit(t, data); if (means.tensors.has(t)) means.into.add(t, data); }
    : rangeVisit;
  const acts = await visitActivations(g, samples, visit, opts.onProgress);
  const extremes = extremeTensors(g);
  const ranges = method === 'minmax' ? observed
    : new Map([...histograms].map(([t, h]) => [t, extremes.has(t) ? { min: h.min, max: h.max } : h.bestInt8Range()]));
  for (const t of acts) if (!ranges.has(t)) throw new Error(`calibration did not see tensor '${g.tensors[t]!.name}'`);
  return ranges;
}

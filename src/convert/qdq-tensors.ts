/**
 * The QDQ annotations of the IR (passes/qdq.ts) as params of the emitted TFLite tensors, for the int8
 * pass (quantize/int8.ts, GivenParams): every TFLite view of an annotated value takes its params; the
 * weights of each CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED a Conv, Gemm or MatMul lowered to take
 * the params of the node's quantized weight input (per-channel scales only along the output channels,
 * the one axis TFLite's int8 kernels take them on); constant operands quantized per tensor take theirs.
 */
import type { EmitContext } from './emit.js';
import { attrInt, type Int8Annotation, type IrGraph, type IrNode } from './ir.js';
import type { FloatReason } from './quantize/decisions.js';
import type { GivenParams } from './quantize/int8.js';
import type { QuantParams } from './quantize/int8-params.js';
import type { TfliteGraph, TfTensor } from './tflite/model.js';

/** The TFLite operators one IR node lowered to: graph.operators[first, end). */
export interface NodeSpan {
  node: IrNode;
  first: number;
  end: number;
}

const WEIGHTED_TFLITE = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

/** The ONNX axis of a weight input (input 1) that runs along the node's output channels. */
function outputChannelAxis(n: IrNode, rank: number): number | undefined {
  if (n.op === 'Conv') return 0;
  if (n.op === 'Gemm') return attrInt(n, 'transB', 0) === 1 ? 0 : 1;
  if (n.op === 'MatMul') return rank - 1;
  return undefined;
}

const params = (a: Int8Annotation): QuantParams => ({ scale: [...a.scale], zeroPoint: [...a.zeroPoint] });

export function qdqTensorParams(ir: IrGraph, ctx: EmitContext, graph: TfliteGraph, spans: readonly NodeSpan[]): GivenParams {
  const qdq = ir.qdq!;
  const activations = new Map<number, QuantParams>();
  for (const [name, a] of qdq.activations) for (const v of ctx.viewsOf(name)) activations.set(v.tensor, params(a));
  const constants = new Map<number, QuantParams | { why: FloatReason }>();
  for (const [name, a] of qdq.constants) {
    if (a.scale.length !== 1) continue;
    for (const t of ctx.constTensorsOf(name)) constants.set(t, params(a));
  }
  for (const { node, first, end } of spans) {
    const w = node.inputs[1];
    const a = w ? qdq.constants.get(w) : undefined;
    if (!a) continue;
    const axis = outputChannelAxis(node, ir.values.get(w!)?.shape?.length ?? 0);
    for (const op of graph.operators.slice(first, end)) {
      const wt = op.inputs[1];
      if (!WEIGHTED_TFLITE.has(op.op) || wt === undefined || wt < 0 || !graph.tensors[wt]!.data) continue;
      constants.set(wt, a.scale.length === 1 || a.axis === axis
        ? params(a)
        : { why: { code: 'qdq-weights-axis', tensor: w!, axis: a.axis!, outputAxis: axis, op: op.op } });
    }
  }
  return { activations, constants };
}

/**
 * `given` keyed by the tensors themselves rather than their indexes, for passes over the TFLite graph that
 * drop and renumber tensors (passes/collapse-reshapes.ts): call the result after the pass for params on the
 * new indexes; a tensor the pass dropped has dropped its params.
 */
export function followTensors(given: GivenParams, graph: TfliteGraph): () => GivenParams {
  const pin = <T>(m: ReadonlyMap<number, T>): [TfTensor, T][] => [...m].map(([t, p]) => [graph.tensors[t]!, p]);
  const activations = pin(given.activations);
  const constants = pin(given.constants);
  return () => {
    const index = new Map(graph.tensors.map((t, i) => [t, i]));
    const back = <T>(xs: [TfTensor, T][]) => new Map(xs.filter(([t]) => index.has(t)).map(([t, p]) => [index.get(t)!, p]));
    return { ...given, activations: back(activations), constants: back(constants) };
  };
}

/**
 * Whether a RESHAPE between two others must stay in a QDQ model: its output has other params than its
 * input (the QDQ model rounds to that grid there). A tensor without params, or with its input's, may go.
 */
export function requantizesAt(given: GivenParams, graph: TfliteGraph): (t: number) => boolean {
  const producer = new Map<number, number[]>();
  for (const op of graph.operators) for (const o of op.outputs) producer.set(o, op.inputs);
  const same = (a: QuantParams, b: QuantParams) => a.scale.length === b.scale.length && a.scale.every((s, i) => s === b.scale[i] && a.zeroPoint[i] === b.zeroPoint[i]);
  return (t) => {
    const out = given.activations.get(t);
    const src = producer.get(t)?.[0];
    const inp = src === undefined ? undefined : given.activations.get(src);
    return !!out && !(inp && same(inp, out));
  };
}

/**
 * The QDQ annotations of the IR (passes/qdq.ts) as params of the emitted TFLite tensors, for the int8
 * pass (quantize/int8.ts, GivenParams): every TFLite view of an annotated value takes its params; the
 * weights of each CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED a Conv, Gemm or MatMul lowered to take
 * the params of the node's quantized weight input (per-channel scales only along the output channels,
 * the one axis TFLite's int8 kernels take them on); constant operands quantized per tensor take theirs.
 */
import type { EmitContext } from './emit.js';
import { attrInt, type Int8Annotation, type IrGraph, type IrNode } from './ir.js';
import type { GivenParams } from './quantize/int8.js';
import type { QuantParams } from './quantize/int8-params.js';
import type { TfliteGraph } from './tflite/model.js';

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
  const constants = new Map<number, QuantParams | { reason: string }>();
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
        : { reason: `weights '${w}' are quantized along axis ${a.axis}, not along the output channels (axis ${axis}); TFLite's int8 ${op.op} takes per-channel scales along its output channels only` });
    }
  }
  return { source: 'the QDQ model', activations, constants };
}

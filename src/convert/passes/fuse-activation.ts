/** Fuses Relu / Clip(0,6) / Clip(-1,1) / Clip(0,inf) into the producing op's fused_activation_function. */
import { useCounts, NodeRefusal, type IrGraph, type IrNode } from '../ir.js';
import { InferContext } from '../lowering.js';
import { clampActivation } from '../lower-util.js';
import { clipBounds } from '../lowerings/clip.js';
import type { ActivationName } from '../tflite/schema.js';

/**
 * Ops whose TFLite lowering ends in one operator with a fused_activation_function that the runtime
 * honours. Not Concat: LiteRT ignores CONCATENATION's fused activation on float (measured: wrong numbers).
 */
const FUSABLE = new Set(['Conv', 'Gemm', 'Add', 'Sub', 'Mul', 'Div', 'AveragePool', 'MaxPool', 'BatchNormalization']);

function activationOf(n: IrNode, ctx: InferContext): ActivationName | undefined {
  if (n.op === 'Relu' && n.attrs.size === 0) return 'RELU';
  if (n.op === 'Clip') {
    try {
      const [lo, hi] = clipBounds(n, ctx);
      return clampActivation(lo, hi);
    } catch (err) {
      if (err instanceof NodeRefusal) return undefined;
      throw err;
    }
  }
  return undefined;
}

export function fuseActivations(g: IrGraph): number {
  const ctx = new InferContext(g);
  const producer = new Map<string, IrNode>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  let fused = 0;
  const uses = useCounts(g);
  for (const act of [...g.nodes]) {
    const kind = activationOf(act, ctx);
    if (!kind) continue;
    const x = act.inputs[0]!;
    const p = producer.get(x);
    if (!p || !FUSABLE.has(p.op) || (p.fusedAct && p.fusedAct !== 'NONE') || p.outputs.length !== 1) continue;
    if (g.outputs.includes(x) || uses.get(x) !== 1) continue;
    p.fusedAct = kind;
    p.outputs = [act.outputs[0]!];
    g.nodes = g.nodes.filter((n) => n !== act);
    producer.set(act.outputs[0]!, p);
    fused++;
  }
  return fused;
}

/**
 * RESHAPE chains written by the lowerings collapsed, on the TFLite graph after lowering: a RESHAPE that
 * reads another RESHAPE's output reads that one's input instead (a reshape keeps the bytes in order, so
 * only the last shape matters), and a RESHAPE whose output nobody reads any more goes. ViT-B/16: the
 * attention's q/k/v splits and MatMul rank changes wrote 157 RESHAPE, 6 of them back to back per layer.
 * `keep(t)`: a tensor between two RESHAPEs that must still be computed (a QDQ model's requantization
 * point: the int8 values on its grid are not those of the reshape's input).
 */
import { producerIndex, type TfliteGraph } from '../tflite/model.js';

export function collapseReshapes(g: TfliteGraph, keep: (tensor: number) => boolean = () => false): number {
  const producer = producerIndex(g);
  const isConstOrAbsent = (t: number | undefined) => t === undefined || t < 0 || g.tensors[t]!.data !== undefined;
  let collapsed = 0;
  for (const op of g.operators) {
    if (op.op !== 'RESHAPE') continue;
    const p = producer.get(op.inputs[0]!);
    const first = p === undefined ? undefined : g.operators[p]!;
    // the first reshape's shape must be a constant: a run-time shape could make it fail, and that must stay
    if (first?.op !== 'RESHAPE' || !isConstOrAbsent(first.inputs[1]) || keep(op.inputs[0]!)) continue;
    op.inputs = [first.inputs[0]!, ...op.inputs.slice(1)];
    collapsed++;
  }
  if (!collapsed) return 0;
  // drop RESHAPEs left without readers (graph outputs are read by the caller)
  for (;;) {
    const read = new Set<number>([...g.outputs, ...g.signatureOutputs.map((s) => s.tensor)]);
    for (const op of g.operators) for (const i of op.inputs) read.add(i);
    const dead = g.operators.findIndex((op) => op.op === 'RESHAPE' && op.outputs.every((o) => !read.has(o)));
    if (dead < 0) break;
    g.operators.splice(dead, 1);
  }
  g.removeUnusedTensors();
  return collapsed;
}

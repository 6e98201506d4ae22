/**
 * Slices that tile one axis as one Split: torch's chunk() in a TorchScript export is one Slice per
 * chunk (ShuffleNetV2: 26 STRIDED_SLICE), the dynamo export one Split (13 SPLIT_V). Step-1 slices of
 * the same run-time value along the same single axis that cover it exactly, without overlap, become one
 * Split node whose outputs are the slices' outputs; the data each output holds is unchanged.
 */
import { OnnxDataType } from '../../onnx/model.js';
import { normAxis, type IrGraph, type IrNode } from '../ir.js';

interface Piece { node: IrNode; start: number; len: number }

/** The [start, start+len) range a step-1, one-axis Slice-10+ takes, with its axis; undefined otherwise. */
function range(g: IrGraph, n: IrNode): { axis: number; start: number; len: number } | undefined {
  if (n.op !== 'Slice' || n.since < 10 || n.outputs.length !== 1) return undefined;
  const x = g.values.get(n.inputs[0]!);
  const y = g.values.get(n.outputs[0]!);
  if (!x?.shape || !y?.shape || x.const) return undefined;
  const c = (i: number) => (n.inputs[i] ? g.values.get(n.inputs[i]!)?.const : undefined);
  const [starts, ends, axes, steps] = [c(1), c(2), c(3), c(4)];
  if (!starts || !ends || starts.data.length !== 1 || (n.inputs[3] && !axes) || (n.inputs[4] && !steps)) return undefined;
  if (steps && steps.data[0] !== 1) return undefined;
  const axis = normAxis(axes ? axes.data[0]! : 0, x.shape.length);
  const dim = x.shape[axis]!;
  let start = starts.data[0]!;
  if (start < 0) start += dim;
  start = Math.min(Math.max(start, 0), dim);
  const len = y.shape[axis]!;
  // every other axis is whole
  if (y.shape.some((d, i) => i !== axis && d !== x.shape![i])) return undefined;
  return len > 0 ? { axis, start, len } : undefined;
}

export function slicesToSplit(g: IrGraph): number {
  const groups = new Map<string, Piece[]>();
  for (const n of g.nodes) {
    const r = range(g, n);
    if (!r) continue;
    const key = `${n.inputs[0]}\u0000${r.axis}`;
    groups.set(key, [...(groups.get(key) ?? []), { node: n, start: r.start, len: r.len }]);
  }
  let merged = 0;
  for (const [key, pieces] of groups) {
    if (pieces.length < 2) continue;
    const [x, axisText] = key.split('\u0000') as [string, string];
    const axis = Number(axisText);
    const dim = g.values.get(x)!.shape![axis]!;
    const sorted = [...pieces].sort((a, b) => a.start - b.start);
    let at = 0;
    const tiles = sorted.every((p) => { const ok = p.start === at; at += p.len; return ok; }) && at === dim;
    if (!tiles) continue;
    const name = `${sorted[0]!.node.name || sorted[0]!.node.outputs[0]}_split`;
    const sizes = `${name}_sizes`;
    g.values.set(sizes, { name: sizes, dtype: OnnxDataType.INT64, shape: [sorted.length], const: { dtype: OnnxDataType.INT64, shape: [sorted.length], data: Float64Array.from(sorted.map((p) => p.len)) } });
    const split: IrNode = { name, op: 'Split', domain: '', since: 13, inputs: [x, sizes], outputs: sorted.map((p) => p.node.outputs[0]!), attrs: new Map([['axis', { type: 'int', value: axis }]]) };
    const removed = new Set(pieces.map((p) => p.node));
    // at the first slice: x is produced before it, and each output's readers come after its own slice
    const first = g.nodes.find((n) => removed.has(n));
    g.nodes = g.nodes.flatMap((n) => (n === first ? [split] : removed.has(n) ? [] : [n]));
    merged++;
  }
  return merged;
}

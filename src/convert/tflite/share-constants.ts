/**
 * One tensor per distinct constant: operators whose constant inputs hold the same type, shape,
 * quantization and bytes read one tensor, as TensorFlow's converter writes them (e.g. five PADs of
 * FBNet-B with two distinct paddings: two tensors, not five). LiteRT checks every input of a node at each
 * invoke (the XNNPACK delegate node takes every constant it reads as an input), so each duplicate costs
 * run time as well as bytes. Runs after the last pass: passes before it may still rewrite a constant
 * for one reader only (e.g. int8 weights per operator). An operator that only reads constants (float16's
 * DEQUANTIZE of a weight) is written once per distinct set of inputs and options, for the same reason.
 */
import type { TfliteGraph, TfTensor } from './model.js';

/** A cheap bucket key; tensors in one bucket are compared byte for byte. */
function bucketKey(t: TfTensor): string {
  const d = t.data!;
  const edge = (from: number) => Array.from(d.subarray(from, from + 16)).join(',');
  return [t.type, t.shape.join('x'), JSON.stringify(t.quantization ?? null), d.byteLength, edge(0), edge(Math.max(0, d.byteLength - 16))].join('|');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Points every reader of a duplicate constant at its first copy and drops the copies; returns how many went. */
export function shareIdenticalConstants(g: TfliteGraph): number {
  // graph inputs, outputs and signature tensors keep their own identity
  const pinned = new Set<number>([...g.inputs, ...g.outputs, ...g.signatureInputs.map((s) => s.tensor), ...g.signatureOutputs.map((s) => s.tensor)]);
  const buckets = new Map<string, number[]>();
  const firstCopy = new Map<number, number>();
  g.tensors.forEach((t, i) => {
    if (!t.data || pinned.has(i)) return;
    const key = bucketKey(t);
    const seen = buckets.get(key);
    if (!seen) { buckets.set(key, [i]); return; }
    const same = seen.find((j) => sameBytes(g.tensors[j]!.data!, t.data!));
    if (same === undefined) seen.push(i);
    else firstCopy.set(i, same);
  });
  if (!firstCopy.size) return 0;
  const at = (i: number) => firstCopy.get(i) ?? i;
  for (const op of g.operators) op.inputs = op.inputs.map(at);
  shareConstantOperators(g, pinned);
  return g.removeUnusedTensors();
}

/** Operators reading only constants, alike in op, inputs, options and version: the first one's outputs serve all readers. */
function shareConstantOperators(g: TfliteGraph, pinned: ReadonlySet<number>): void {
  const firstOp = new Map<string, number[]>();
  const sameAs = new Map<number, number>();
  const kept = g.operators.filter((op) => {
    const constantOnly = op.inputs.every((i) => i < 0 || !!g.tensors[i]!.data);
    if (!constantOnly || op.outputs.some((o) => pinned.has(o))) return true;
    const key = JSON.stringify([op.op, op.inputs, op.options ?? null, op.version ?? null]);
    const outputs = firstOp.get(key);
    if (!outputs) { firstOp.set(key, op.outputs); return true; }
    op.outputs.forEach((o, k) => sameAs.set(o, outputs[k]!));
    return false;
  });
  if (!sameAs.size) return;
  g.operators.splice(0, g.operators.length, ...kept);
  for (const op of g.operators) op.inputs = op.inputs.map((i) => sameAs.get(i) ?? i);
}

/**
 * Value ranges for a model's integer inputs when verification feeds them: an input that indexes a
 * table (Gather of an initializer, e.g. token ids into an embedding) gets [0, rows) of the smallest
 * such table; any other integer input (an attention mask) gets [0, 2), zeros and ones.
 *
 * Special values: an input compared by Equal with a scalar constant (RoBERTa's `input_ids == padding_idx`,
 * which decides its position ids) would rarely draw that value at random (1 in vocab per token), so the
 * comparison's other branch would go untested: those constants are written into the fed ids the way a
 * tokenizer pads (placeSpecials).
 */
import { readFileSync } from 'node:fs';
import type { OnnxGraph, TensorProtoData } from '../onnx/model.js';
import { loadTensor, parseOnnxBytes } from '../onnx/read.js';

/** Ops that pass an integer tensor on unchanged in value (its ids reach the Gather as fed). */
const MOVES = new Set(['Reshape', 'Flatten', 'Unsqueeze', 'Squeeze', 'Identity', 'Cast', 'Transpose', 'Expand']);
const MASK_BOUND = 2;

/** `name` and every value MOVES pass it on to. */
function reach(g: OnnxGraph, name: string): Set<string> {
  const seen = new Set([name]);
  const todo = [name];
  while (todo.length) {
    const v = todo.pop()!;
    for (const n of g.nodes) {
      // Where passes its branches (inputs 1 and 2) on, the others their input 0
      const passes = MOVES.has(n.opType) ? n.inputs[0] === v : n.opType === 'Where' && (n.inputs[1] === v || n.inputs[2] === v);
      if (passes) for (const o of n.outputs) if (o && !seen.has(o)) { seen.add(o); todo.push(o); }
    }
  }
  return seen;
}

/**
 * What verification feeds each integer input, from one read of the model: `bounds`, the exclusive upper
 * bound of its values (lower bound 0), and `specials`, the scalar integer constants Equal compares it with
 * (sorted; absent when none).
 */
export function intInputFeeds(onnxPath: string, names: readonly string[]): { bounds: Map<string, number>; specials: Map<string, number[]> } {
  const g = parseOnnxBytes(readFileSync(onnxPath), onnxPath).graph;
  const dims = new Map(g.initializers.map((t) => [t.name, t.dims]));
  const consts = new Map<string, TensorProtoData>(g.initializers.map((t) => [t.name, t]));
  for (const n of g.nodes) {
    const v = n.attrs.get('value');
    if (n.opType === 'Constant' && v?.type === 'tensor') consts.set(n.outputs[0]!, v.value);
  }
  const scalar = (name: string): number | undefined => {
    const t = consts.get(name);
    if (!t || t.dims.reduce((p, d) => p * d, 1) !== 1 || t.external) return undefined;
    const x = loadTensor(t, undefined, onnxPath).data[0]!;
    return Number.isInteger(x) ? x : undefined;
  };
  const bounds = new Map<string, number>();
  const specials = new Map<string, number[]>();
  for (const name of names) {
    const values = reach(g, name);
    let bound = Infinity;
    const found = new Set<number>();
    for (const n of g.nodes) {
      if (n.opType === 'Gather' && values.has(n.inputs[1]!)) {
        const d = dims.get(n.inputs[0]!);
        const a = n.attrs.get('axis');
        const axis = a?.type === 'int' ? a.value : 0;
        const rows = d?.[axis < 0 ? axis + d.length : axis];
        if (rows !== undefined && rows > 0) bound = Math.min(bound, rows);
      } else if (n.opType === 'Equal') {
        const [x, y] = [n.inputs[0]!, n.inputs[1]!];
        const c = values.has(x) ? scalar(y) : values.has(y) ? scalar(x) : undefined;
        if (c !== undefined) found.add(c);
      }
    }
    bounds.set(name, Number.isFinite(bound) ? bound : MASK_BOUND);
    if (found.size) specials.set(name, [...found].sort((p, q) => p - q));
  }
  return { bounds, specials };
}

/**
 * Writes `specials` into seeded ids as a tokenizer pads them, along the last axis of each row: the last
 * quarter (at least one) of the positions, and the middle one (a padding id inside a sequence, so what
 * follows it is counted on). Several specials take turns.
 */
export function placeSpecials(data: Int32Array, dims: readonly number[], specials: readonly number[]): void {
  const len = dims[dims.length - 1] ?? 1;
  if (!specials.length || len < 1) return;
  const tail = Math.max(1, Math.ceil(len / 4));
  let k = 0;
  for (let row = 0; row + len <= data.length; row += len) {
    for (let j = 0; j < len; j++) {
      if (j >= len - tail || (len > 2 && j === Math.floor(len / 2))) data[row + j] = specials[k++ % specials.length]!;
    }
  }
}

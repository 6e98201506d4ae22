/**
 * Value ranges for a model's integer inputs when verification feeds them: an input that indexes a
 * table (Gather of an initializer, e.g. token ids into an embedding) gets [0, rows) of the smallest
 * such table; any other integer input (an attention mask) gets [0, 2), zeros and ones.
 */
import { readFileSync } from 'node:fs';
import { parseOnnxBytes } from '../onnx/read.js';

/** Ops that pass an integer tensor on unchanged in value (its ids reach the Gather as fed). */
const MOVES = new Set(['Reshape', 'Flatten', 'Unsqueeze', 'Squeeze', 'Identity', 'Cast', 'Transpose', 'Expand']);
const MASK_BOUND = 2;

/** input name -> exclusive upper bound of the values to feed (lower bound 0). */
export function intInputBounds(onnxPath: string, names: readonly string[]): Map<string, number> {
  const g = parseOnnxBytes(readFileSync(onnxPath), onnxPath).graph;
  const dims = new Map(g.initializers.map((t) => [t.name, t.dims]));
  const out = new Map<string, number>();
  for (const name of names) {
    let bound = Infinity;
    const seen = new Set([name]);
    const todo = [name];
    while (todo.length) {
      const v = todo.pop()!;
      for (const n of g.nodes) {
        if (n.opType === 'Gather' && n.inputs[1] === v) {
          const d = dims.get(n.inputs[0]!);
          const a = n.attrs.get('axis');
          const axis = a?.type === 'int' ? a.value : 0;
          const rows = d?.[axis < 0 ? axis + d.length : axis];
          if (rows !== undefined && rows > 0) bound = Math.min(bound, rows);
        } else if (MOVES.has(n.opType) && n.inputs[0] === v) {
          for (const o of n.outputs) if (o && !seen.has(o)) { seen.add(o); todo.push(o); }
        }
      }
    }
    out.set(name, Number.isFinite(bound) ? bound : MASK_BOUND);
  }
  return out;
}

/**
 * A .tflite this converter wrote, read back into a TfliteGraph that can be changed and written again.
 * Only what the reader represents comes back (one subgraph, builtin operators with the options tables
 * of schema.ts, tensors, buffers, one signature): a file holding any other field is refused, and the
 * result is checked: written again and read, it must give the same model, field by field.
 */
import { isDeepStrictEqual } from 'node:util';
import { TfliteGraph, type OptionValue, type TfOperator } from './model.js';
import { readTflite, type ReadModel } from './read.js';
import { writeTflite } from './write.js';
import type { BuiltinOpName, OptionsName, TensorTypeName } from './schema.js';

export class UnreadableTflite extends Error {}

function graphOf(m: ReadModel): TfliteGraph {
  const g = new TfliteGraph();
  g.description = m.description;
  for (const t of m.tensors) {
    const q = t.quantization;
    const n = g.addTensor(t.name, t.shape, t.type as TensorTypeName, q && {
      scale: q.scale, zeroPoint: q.zeroPoint, quantizedDimension: q.quantizedDimension,
      ...(q.min ? { min: q.min } : {}), ...(q.max ? { max: q.max } : {}),
    });
    if (t.data) g.tensors[n]!.data = t.data;
  }
  for (const o of m.operators) {
    const op: TfOperator = { op: o.op as BuiltinOpName, inputs: [...o.inputs], outputs: [...o.outputs], version: o.version };
    if (o.optionsType) {
      // the reader fills every field (absent ones with their defaults, absent vectors as []); the writer
      // skips defaults itself, and an empty vector is taken as absent
      const values: Record<string, OptionValue> = {};
      for (const [k, v] of Object.entries(o.options)) if (!(Array.isArray(v) && v.length === 0)) values[k] = v;
      op.options = { table: o.optionsType as OptionsName, values };
    }
    g.operators.push(op);
  }
  g.inputs = [...m.inputs];
  g.outputs = [...m.outputs];
  g.signatureInputs = (m.signature?.inputs ?? []).map((s) => ({ ...s }));
  g.signatureOutputs = (m.signature?.outputs ?? []).map((s) => ({ ...s }));
  return g;
}

/** The graph of `bytes`; throws UnreadableTflite when writing it again would not give the same model. */
export function graphOfTflite(bytes: Uint8Array): TfliteGraph {
  // a plain view of the same memory: the round-trip check compares constants with the writer's plain
  // Uint8Arrays, and a Node Buffer (readFileSync's) would differ from them by its class alone
  const read = readTflite(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  if (read.foreign.length) throw new UnreadableTflite(`the .tflite holds what this reader does not take back: ${read.foreign.join(', ')}`);
  const g = graphOf(read);
  const again = readTflite(writeTflite(g));
  // `bytes` counts a constant's length, equal whenever `data` is
  if (!isDeepStrictEqual(again, read)) throw new UnreadableTflite('the .tflite holds more than this reader takes back (read and written again, it differs)');
  return g;
}

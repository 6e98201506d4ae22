/**
 * LiteRT.js feeds and returns float32, int32 and uint8 tensors only, so a .tflite with int8 inputs or
 * outputs (`--io int8`) runs in it through a copy with a float boundary: each int8 input is fed by a
 * QUANTIZE from a float32 input, each int8 output read through a DEQUANTIZE, both with the tensor's own
 * scale and zero point (what a caller of the int8 file does around it). Everything inside is the file's
 * own graph (graphOfTflite refuses a file it cannot take back whole).
 */
import { graphOfTflite } from '../convert/tflite/graph-of-file.js';
import type { TfliteGraph } from '../convert/tflite/model.js';
import { readTflite } from '../convert/tflite/read.js';
import { writeVersionedTflite } from '../convert/tflite/write.js';

export interface FloatBoundary {
  /** the copy LiteRT.js runs */
  bytes: Uint8Array;
  /** signature names of the int8 inputs / outputs given a float boundary */
  inputs: string[];
  outputs: string[];
}

/** an int8 tensor with one scale and zero point: what --io int8 writes at the boundary */
function integerIo(t: { type: string; quantization?: { scale: number[] } }): boolean {
  return t.type === 'INT8' && t.quantization?.scale.length === 1;
}

/** The copy with a float boundary, or undefined when no input or output is int8 (the file runs as it is). */
export function withFloatBoundary(bytes: Uint8Array): FloatBoundary | undefined {
  // a float-I/O file runs as it is, without being taken apart
  const read = readTflite(bytes);
  const int8Io = [...(read.signature?.inputs ?? []), ...(read.signature?.outputs ?? [])]
    .some((s) => integerIo(read.tensors[s.tensor]!));
  if (!int8Io) return undefined;
  const g = graphOfTflite(bytes);
  const inputs = g.signatureInputs.filter((s) => integerIo(g.tensors[s.tensor]!));
  const outputs = g.signatureOutputs.filter((s) => integerIo(g.tensors[s.tensor]!));
  if (!inputs.length && !outputs.length) return undefined;
  const floatTwin = (tensor: number) => {
    const t = g.tensors[tensor]!;
    return g.addTensor(`${t.name}/float`, t.shape, 'FLOAT32');
  };
  const quantizes = inputs.map((s) => {
    const f = floatTwin(s.tensor);
    g.inputs = g.inputs.map((t) => (t === s.tensor ? f : t));
    const op = { op: 'QUANTIZE' as const, inputs: [f], outputs: [s.tensor] };
    s.tensor = f;
    return op;
  });
  g.operators.unshift(...quantizes);
  for (const s of outputs) {
    const f = floatTwin(s.tensor);
    g.outputs = g.outputs.map((t) => (t === s.tensor ? f : t));
    g.operators.push({ op: 'DEQUANTIZE', inputs: [s.tensor], outputs: [f] });
    s.tensor = f;
  }
  return { bytes: writeVersionedTflite(g), inputs: inputs.map((s) => s.name), outputs: outputs.map((s) => s.name) };
}

/** The .tflite's bytes as LiteRT.js can run them, and the float boundary that took (none for float I/O). */
export function runnableInLiteRt(bytes: Uint8Array): { bytes: Uint8Array; floatBoundary?: { inputs: string[]; outputs: string[] } } {
  const wrapped = withFloatBoundary(bytes);
  return wrapped ? { bytes: wrapped.bytes, floatBoundary: { inputs: wrapped.inputs, outputs: wrapped.outputs } } : { bytes };
}

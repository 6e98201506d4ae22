/** The converter's intermediate representation: ONNX semantics, static shapes, folded constants. */
import type { AttrValue } from '../onnx/model.js';
import type { ConstTensor, TensorDataError } from '../onnx/tensor.js';
import type { ActivationName } from './tflite/schema.js';
import { refusalText } from '../report/refusal.js';
import { refusal, type Refusal, type RefusalCode, type RefusalParams } from './refusals.js';

export type { Blocker, Refusal, RefusalCode, RefusalArgs } from './refusals.js';

export interface IrValue {
  name: string;
  dtype: number; // OnnxDataType
  /** logical (ONNX) shape; undefined until inferred (or if inference stopped at a blocker) */
  shape?: number[];
  /** set when the value is a constant (initializer, Constant node, or folded) */
  const?: ConstTensor;
}

export interface IrNode {
  name: string;
  op: string;
  domain: string;
  /** the since_version of the schema this node uses, resolved from the model's opset import */
  since: number;
  inputs: string[]; // '' = optional input left out
  outputs: string[];
  attrs: Map<string, AttrValue>;
  /** a TFLite fused activation chosen by the fuse-activation pass */
  fusedAct?: ActivationName;
  /** TENSOR attributes, decoded (Constant's value, ConstantOfShape's value) */
  tensorAttrs?: Map<string, ConstTensor>;
}

export interface IrGraph {
  nodes: IrNode[];
  values: Map<string, IrValue>;
  inputs: string[];
  outputs: string[];
  /** things the user should know (e.g. a symbolic batch dim taken as 1); worded by report/convert.ts */
  notes: ConvertNote[];
  /** set when the model is QDQ-quantized (passes/qdq.ts): the int8 params its Q/DQ pairs give */
  qdq?: QdqAnnotations;
}

/** int8 params in TFLite's terms (int8 values; uint8 read as int8 with zero point - 128). */
export interface Int8Annotation {
  scale: number[];
  zeroPoint: number[];
  /** per-axis constants: the ONNX axis the scales run along */
  axis?: number;
}

export interface QdqAnnotations {
  /** float run-time values quantized by a QuantizeLinear -> DequantizeLinear pair */
  activations: Map<string, Int8Annotation>;
  /** float constants made by DequantizeLinear of int8/uint8 initializers (weights, constant operands) */
  constants: Map<string, Int8Annotation>;
  /** graph outputs made by a pair's DequantizeLinear: their params (each output's quantization step) */
  outputs: Map<string, Int8Annotation>;
  /** QuantizeLinear -> DequantizeLinear pairs read */
  pairs: number;
}

/** Something a conversion decided that the user should know: data, worded by report/convert.ts. */
export type ConvertNote =
  /** a symbolic (or unnamed, `dim` null) leading dimension of an input given a fixed size */
  | { code: 'symbolic-batch'; input: string; dim: string | null; size: number }
  /** a QDQ model's own scales and zero points stand in for calibration */
  | { code: 'qdq-read'; pairs: number; constants: number }
  /** a symbolic dimension given a size by name (convert --dim) */
  | { code: 'named-dim'; input: string; dim: string; size: number }
  /** an int64 input (token ids, a mask) taken as int32 by the .tflite: LiteRT.js feeds int32, not int64 */
  | { code: 'int64-input-as-int32'; input: string }
  /**
   * int64 arithmetic on values computed from integer inputs is done in int32 (passes/int-ranges.ts): exact
   * while each of `inputs` is within [-bound, bound]; `nodes` are the ones that would leave int32 first
   */
  | { code: 'int64-arithmetic-in-int32'; inputs: string[]; bound: number; nodes: string[] };

/** Thrown by a lowering for a node it cannot convert exactly; collected into the refusal. */
export class NodeRefusal extends Error {
  constructor(readonly refusal: Refusal) {
    // the message (for one that escapes a lowering, e.g. to a stack trace) in the formatter's words
    super(refusalText(refusal));
  }
}

/** The refusal a lowering's error carries; a TensorDataError (a payload the model cannot hold) in the loader's words. */
export function refusalOf(err: NodeRefusal | TensorDataError): Refusal {
  return err instanceof NodeRefusal ? err.refusal : refusal('tensor-data', { detail: err.message });
}

export function refuse<K extends RefusalCode>(code: K, ...args: RefusalParams<K>): never {
  throw new NodeRefusal(refusal(code, ...args));
}

export function consumers(g: IrGraph, value: string): IrNode[] {
  return g.nodes.filter((n) => n.inputs.includes(value));
}

/** How many node inputs read each value (one pass; for passes that ask per node). */
export function useCounts(g: IrGraph): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) m.set(i, (m.get(i) ?? 0) + 1);
  return m;
}

/** Who writes each value, and the single reader of a value (none when it has several or is a graph output). */
export function graphLinks(g: IrGraph): { producer: Map<string, IrNode>; only: (value: string) => IrNode | undefined } {
  const producer = new Map<string, IrNode>();
  const consumer = new Map<string, IrNode>();
  const uses = useCounts(g);
  for (const n of g.nodes) {
    for (const o of n.outputs) if (o) producer.set(o, n);
    for (const i of n.inputs) if (i) consumer.set(i, n);
  }
  const only = (v: string): IrNode | undefined => (uses.get(v) === 1 && !g.outputs.includes(v) ? consumer.get(v) : undefined);
  return { producer, only };
}

// ---- attribute access (types checked; a wrong type is a refusal, never a guess) ----

export function attrInt(n: IrNode, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  if (!a) return dflt;
  if (a.type !== 'int') refuse('attr-type', { attr: name, type: a.type, expected: 'int' });
  return a.value;
}

export function attrFloat(n: IrNode, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  if (!a) return dflt;
  if (a.type !== 'float') refuse('attr-type', { attr: name, type: a.type, expected: 'float' });
  return a.value;
}

export function attrString(n: IrNode, name: string, dflt: string): string {
  const a = n.attrs.get(name);
  if (!a) return dflt;
  if (a.type !== 'string') refuse('attr-type', { attr: name, type: a.type, expected: 'string' });
  return a.value;
}

export function attrInts(n: IrNode, name: string): number[] | undefined {
  const a = n.attrs.get(name);
  if (!a) return undefined;
  if (a.type !== 'ints') refuse('attr-type', { attr: name, type: a.type, expected: 'ints' });
  return a.value;
}

export function attrFloats(n: IrNode, name: string): number[] | undefined {
  const a = n.attrs.get(name);
  if (!a) return undefined;
  if (a.type !== 'floats') refuse('attr-type', { attr: name, type: a.type, expected: 'floats' });
  return a.value;
}

/** Refuses any attribute not in `known` (an attribute we do not understand could change the math). */
export function onlyAttrs(n: IrNode, known: string[]): void {
  for (const k of n.attrs.keys()) if (!known.includes(k)) refuse('attr-unknown', { attr: k });
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) refuse('axis-out-of-range', { axis, rank });
  return a;
}

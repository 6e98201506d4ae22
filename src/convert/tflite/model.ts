/** An in-memory TFLite model (one subgraph) that the lowerings fill and the writer serialises. */
import { refuse } from '../ir.js';
import { float16Bytes } from './float16.js';
import { OptionsTables, type BuiltinOpName, type OptionsName, type OptionValue, type TensorTypeName } from './schema.js';

export type { OptionValue } from './schema.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * TFLite QuantizationParameters: real = scale * (q - zeroPoint). One entry per tensor (per-tensor) or
 * one per slice along `quantizedDimension` (per-channel; TFLite requires zero points 0 there).
 */
export interface TfQuantization {
  scale: number[];
  zeroPoint: number[];
  /** the axis per-channel parameters run along (default 0) */
  quantizedDimension?: number;
  /** the float range the parameters were derived from (informational; runtimes ignore it) */
  min?: number[];
  max?: number[];
}

export interface TfTensor {
  name: string;
  shape: number[];
  type: TensorTypeName;
  /** constant payload (little-endian bytes); absent for activations */
  data?: Uint8Array;
  quantization?: TfQuantization;
}

/** Field values of a BuiltinOptions table: names are checked against the table in schema.ts. */
export type OptionFields<T extends OptionsName> = { [F in keyof (typeof OptionsTables)[T]['fields']]?: OptionValue };

export interface OperatorOptions<T extends OptionsName = OptionsName> {
  table: T;
  values: OptionFields<T>;
}

export interface TfOperator {
  op: BuiltinOpName;
  inputs: number[]; // -1 = optional input left out
  outputs: number[];
  options?: OperatorOptions;
  /** operator version (OperatorCode.version); 1 unless a feature needs more */
  version?: number;
}

export interface TfSignatureEntry {
  name: string;
  tensor: number;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** TFLite stores dims and INT32 payloads as int32: refuse what would wrap instead of writing it. */
function checkInt32s(values: ArrayLike<number>, what: { what: 'shape' | 'constant' | 'option'; name: string; op?: string }): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isInteger(x) || x < INT32_MIN || x > INT32_MAX) {
      refuse('int32-range', { ...what, value: x });
    }
  }
}

/** Parameter counts must match the tensor: one (per-tensor) or one per slice of the quantized dimension. */
function checkQuantization(q: TfQuantization, shape: number[], name: string): void {
  const dim = q.quantizedDimension ?? 0;
  const n = q.scale.length;
  if (n !== q.zeroPoint.length) throw new Error(`'${name}': ${n} scales but ${q.zeroPoint.length} zero points`);
  if (n !== 1 && shape[dim] !== n) throw new Error(`'${name}': ${n} scales along dimension ${dim} of [${shape.join(',')}]`);
  if (q.scale.some((s) => !(s > 0) || !Number.isFinite(s))) throw new Error(`'${name}': quantization scales must be positive and finite`);
  if (q.zeroPoint.some((z) => !Number.isInteger(z))) throw new Error(`'${name}': zero points must be integers`);
}

export class TfliteGraph {
  readonly tensors: TfTensor[] = [];
  readonly operators: TfOperator[] = [];
  inputs: number[] = [];
  outputs: number[] = [];
  signatureInputs: TfSignatureEntry[] = [];
  signatureOutputs: TfSignatureEntry[] = [];
  description = 'tfdoctor native converter';
  private readonly names = new Set<string>();

  private uniqueName(name: string): string {
    let n = name || 't';
    if (this.names.has(n)) {
      let i = 1;
      while (this.names.has(`${n}_${i}`)) i++;
      n = `${n}_${i}`;
    }
    this.names.add(n);
    return n;
  }

  addTensor(name: string, shape: number[], type: TensorTypeName = 'FLOAT32', quantization?: TfQuantization): number {
    checkInt32s(shape, { what: 'shape', name });
    if (quantization) checkQuantization(quantization, shape, name);
    this.tensors.push({ name: this.uniqueName(name), shape: [...shape], type, ...(quantization ? { quantization } : {}) });
    return this.tensors.length - 1;
  }

  addFloatConst(name: string, shape: number[], values: ArrayLike<number>): number {
    checkInt32s(shape, { what: 'shape', name });
    let data: Uint8Array;
    if (LITTLE_ENDIAN_HOST) {
      // constants are never mutated after lowering, so a Float32Array is used as is (no copy)
      const f = values instanceof Float32Array ? values : Float32Array.from(values);
      data = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
    } else {
      data = new Uint8Array(values.length * 4);
      const v = new DataView(data.buffer);
      for (let i = 0; i < values.length; i++) v.setFloat32(i * 4, values[i]!, true);
    }
    this.tensors.push({ name: this.uniqueName(name), shape: [...shape], type: 'FLOAT32', data });
    return this.tensors.length - 1;
  }

  /** An INT32 constant; with `quantization`, e.g. an int8 layer's bias (scale = input scale x weight scale). */
  addInt32Const(name: string, shape: number[], values: ArrayLike<number>, quantization?: TfQuantization): number {
    checkInt32s(shape, { what: 'shape', name });
    checkInt32s(values, { what: 'constant', name });
    if (quantization) checkQuantization(quantization, shape, name);
    const data = new Uint8Array(values.length * 4);
    const v = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) v.setInt32(i * 4, values[i]!, true);
    this.tensors.push({ name: this.uniqueName(name), shape: [...shape], type: 'INT32', data, ...(quantization ? { quantization } : {}) });
    return this.tensors.length - 1;
  }

  /** An INT8 constant (values already quantized, each in [-128, 127]) with its quantization. */
  addInt8Const(name: string, shape: number[], values: ArrayLike<number>, quantization: TfQuantization): number {
    checkInt32s(shape, { what: 'shape', name });
    checkQuantization(quantization, shape, name);
    const data = new Uint8Array(values.length);
    const view = new Int8Array(data.buffer);
    for (let i = 0; i < values.length; i++) {
      const q = values[i]!;
      if (!Number.isInteger(q) || q < -128 || q > 127) throw new Error(`int8 constant '${name}' holds ${q}`);
      view[i] = q;
    }
    this.tensors.push({ name: this.uniqueName(name), shape: [...shape], type: 'INT8', data, quantization });
    return this.tensors.length - 1;
  }

  /** A FLOAT16 constant: `values` rounded to the nearest binary16 (ties to even). */
  addFloat16Const(name: string, shape: number[], values: ArrayLike<number>): number {
    checkInt32s(shape, { what: 'shape', name });
    this.tensors.push({ name: this.uniqueName(name), shape: [...shape], type: 'FLOAT16', data: float16Bytes(values) });
    return this.tensors.length - 1;
  }

  /** The float32 values of a FLOAT32 constant (undefined for activations and other types). */
  floatValues(index: number): Float32Array | undefined {
    const t = this.tensors[index]!;
    if (t.type !== 'FLOAT32' || !t.data) return undefined;
    if (LITTLE_ENDIAN_HOST && t.data.byteOffset % 4 === 0) return new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
    const v = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    return Float32Array.from({ length: t.data.byteLength / 4 }, (_, i) => v.getFloat32(4 * i, true));
  }

  /** Indexes of the operators that read tensor `index`. */
  readersOf(index: number): number[] {
    const out: number[] = [];
    this.operators.forEach((op, i) => { if (op.inputs.includes(index)) out.push(i); });
    return out;
  }

  /**
   * Drops tensors no operator, graph input/output or signature refers to and renumbers the rest
   * (a pass that swaps a float constant for a quantized one leaves the float one behind).
   */
  removeUnusedTensors(): number {
    const used = new Set<number>([...this.inputs, ...this.outputs]);
    for (const op of this.operators) for (const i of [...op.inputs, ...op.outputs]) if (i >= 0) used.add(i);
    for (const s of [...this.signatureInputs, ...this.signatureOutputs]) used.add(s.tensor);
    const remap = new Map<number, number>();
    const kept: TfTensor[] = [];
    this.tensors.forEach((t, i) => {
      if (used.has(i)) { remap.set(i, kept.length); kept.push(t); } else this.names.delete(t.name);
    });
    const removed = this.tensors.length - kept.length;
    if (!removed) return 0;
    this.tensors.splice(0, this.tensors.length, ...kept);
    const at = (i: number) => (i < 0 ? i : remap.get(i)!);
    for (const op of this.operators) { op.inputs = op.inputs.map(at); op.outputs = op.outputs.map(at); }
    this.inputs = this.inputs.map(at);
    this.outputs = this.outputs.map(at);
    for (const s of [...this.signatureInputs, ...this.signatureOutputs]) s.tensor = at(s.tensor);
    return removed;
  }

  addBoolConst(name: string, shape: number[], values: ArrayLike<number>): number {
    const data = Uint8Array.from(values, (v) => (v ? 1 : 0));
    this.tensors.push({ name: this.uniqueName(name), shape: [...shape], type: 'BOOL', data });
    return this.tensors.length - 1;
  }

  addOp<T extends OptionsName>(op: BuiltinOpName, inputs: number[], outputs: number[], options?: OperatorOptions<T>, version?: number): void {
    if (options) {
      // e.g. an ONNX stride of 2^63 - 1 must not become a TFLite stride of -1
      const fields = OptionsTables[options.table].fields as Record<string, { kind: string }>;
      for (const [name, v] of Object.entries(options.values)) {
        const kind = fields[name]?.kind;
        if (kind === 'i32' || kind === 'i32vec') checkInt32s(Array.isArray(v) ? v : [Number(v)], { what: 'option', name, op });
      }
    }
    this.operators.push({ op, inputs, outputs, ...(options ? { options } : {}), ...(version ? { version } : {}) });
  }

  renameTensor(index: number, name: string): void {
    const t = this.tensors[index]!;
    this.names.delete(t.name);
    t.name = this.uniqueName(name);
  }
}

/** tensor index -> indexes of the operators that read it (each operator once, in graph order) */
export function readerIndex(g: TfliteGraph): Map<number, number[]> {
  const readers = new Map<number, number[]>();
  g.operators.forEach((op, i) => {
    for (const t of op.inputs) {
      if (t < 0) continue;
      const list = readers.get(t);
      if (!list) readers.set(t, [i]);
      else if (list.at(-1) !== i) list.push(i);
    }
  });
  return readers;
}

/** tensor index -> index of the operator that writes it */
export function producerIndex(g: TfliteGraph): Map<number, number> {
  const producer = new Map<number, number>();
  g.operators.forEach((op, i) => { for (const t of op.outputs) producer.set(t, i); });
  return producer;
}

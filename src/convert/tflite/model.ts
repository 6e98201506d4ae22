/** An in-memory TFLite model (one subgraph) that the lowerings fill and the writer serialises. */
import { NodeRefusal } from '../ir.js';
import { OptionsTables, type BuiltinOpName, type OptionsName, type OptionValue, type TensorTypeName } from './schema.js';

export type { OptionValue } from './schema.js';

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface TfTensor {
  name: string;
  shape: number[];
  type: TensorTypeName;
  /** constant payload (little-endian bytes); absent for activations */
  data?: Uint8Array;
  /** integer tensors: real = (q - zeroPoint) x scale, per tensor or per slice of quantizedDimension */
  quantization?: TfQuantization;
}

export interface TfQuantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension?: number;
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
function checkInt32s(values: ArrayLike<number>, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isInteger(x) || x < INT32_MIN || x > INT32_MAX) {
      throw new NodeRefusal(`${what} holds ${x}, outside TFLite's int32 range`);
    }
  }
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

  addTensor(name: string, shape: number[], type: TensorTypeName = 'FLOAT32'): number {
    checkInt32s(shape, `the shape of '${name}'`);
    this.tensors.push({ name: this.uniqueName(name), shape: [...shape], type });
    return this.tensors.length - 1;
  }

  addFloatConst(name: string, shape: number[], values: ArrayLike<number>): number {
    checkInt32s(shape, `the shape of '${name}'`);
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

  addInt32Const(name: string, shape: number[], values: ArrayLike<number>): number {
    checkInt32s(shape, `the shape of '${name}'`);
    checkInt32s(values, `constant '${name}'`);
    const data = new Uint8Array(values.length * 4);
    const v = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) v.setInt32(i * 4, values[i]!, true);
    this.tensors.push({ name: this.uniqueName(name), shape: [...shape], type: 'INT32', data });
    return this.tensors.length - 1;
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
        if (kind === 'i32' || kind === 'i32vec') checkInt32s(Array.isArray(v) ? v : [Number(v)], `${op} option ${name}`);
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

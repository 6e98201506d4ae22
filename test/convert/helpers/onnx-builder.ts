/**
 * A minimal ONNX protobuf ENCODER for tests (field numbers from onnx.proto), so tests build real
 * ONNX model bytes that onnxruntime can run and the converter must read.
 */
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

export const DT = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;

export type Encoding = 'raw' | 'float_data' | 'int32_data' | 'int64_data' | 'double_data' | 'external';

export interface TensorSpec {
  name: string;
  dims: number[];
  dataType?: number; // default FLOAT
  values: ArrayLike<number>;
  encoding?: Encoding; // default raw
  /** for external: file name, and where this tensor's bytes go */
  external?: { location: string; offset: number; length?: number };
  /** pad raw_data so it starts at an odd offset */
}

export type AttrSpec =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: number[] }
  | { floats: number[] }
  | { t: TensorSpec };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, AttrSpec>;
}

export interface ValueSpec {
  name: string;
  shape: (number | string)[] | null;
  elemType?: number;
}

export interface ModelSpec {
  opset?: number;
  irVersion?: number;
  nodes: NodeSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: TensorSpec[];
}

/** Little-endian bytes of values in the given ONNX data type. */
export function rawBytes(dataType: number, values: ArrayLike<number>): Uint8Array {
  const width = { [DT.FLOAT]: 4, [DT.INT64]: 8, [DT.INT32]: 4, [DT.DOUBLE]: 8, [DT.UINT8]: 1, [DT.INT8]: 1, [DT.BOOL]: 1 }[dataType] ?? 4;
  const out = new Uint8Array(values.length * width);
  const v = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (dataType === DT.FLOAT) v.setFloat32(i * 4, x, true);
    else if (dataType === DT.DOUBLE) v.setFloat64(i * 8, x, true);
    else if (dataType === DT.INT64) v.setBigInt64(i * 8, BigInt(x), true);
    else if (dataType === DT.INT32) v.setInt32(i * 4, x, true);
    else v.setUint8(i, x);
  }
  return out;
}

function writeTensor(w: BinaryWriter, t: TensorSpec): void {
  const dt = t.dataType ?? DT.FLOAT;
  w.tag(1, WireType.LengthDelimited).fork();
  for (const d of t.dims) w.int64(d);
  w.join();
  w.tag(2, WireType.Varint).int32(dt);
  w.tag(8, WireType.LengthDelimited).string(t.name);
  const enc = t.encoding ?? 'raw';
  const packed = (field: number, put: (x: number) => void) => {
    w.tag(field, WireType.LengthDelimited).fork();
    for (let i = 0; i < t.values.length; i++) put(t.values[i]!);
    w.join();
  };
  switch (enc) {
    case 'raw': w.tag(9, WireType.LengthDelimited).bytes(rawBytes(dt, t.values)); break;
    case 'float_data': packed(4, (x) => w.float(x)); break;
    case 'int32_data': packed(5, (x) => w.int32(x)); break;
    case 'int64_data': packed(7, (x) => w.int64(x)); break;
    case 'double_data': packed(10, (x) => w.double(x)); break;
    case 'external': {
      const e = t.external!;
      const entry = (k: string, v: string) => {
        w.tag(13, WireType.LengthDelimited).fork();
        w.tag(1, WireType.LengthDelimited).string(k);
        w.tag(2, WireType.LengthDelimited).string(v);
        w.join();
      };
      entry('location', e.location);
      entry('offset', String(e.offset));
      entry('length', String(e.length ?? rawBytes(dt, t.values).length));
      w.tag(14, WireType.Varint).int32(1);
      break;
    }
  }
}

function writeAttr(w: BinaryWriter, name: string, a: AttrSpec): void {
  w.tag(1, WireType.LengthDelimited).string(name);
  if ('i' in a) { w.tag(20, WireType.Varint).int32(2); w.tag(3, WireType.Varint).int64(a.i); }
  else if ('f' in a) { w.tag(20, WireType.Varint).int32(1); w.tag(2, WireType.Bit32).float(a.f); }
  else if ('s' in a) { w.tag(20, WireType.Varint).int32(3); w.tag(4, WireType.LengthDelimited).bytes(new TextEncoder().encode(a.s)); }
  else if ('ints' in a) {
    w.tag(20, WireType.Varint).int32(7);
    w.tag(8, WireType.LengthDelimited).fork();
    for (const x of a.ints) w.int64(x);
    w.join();
  } else if ('floats' in a) {
    w.tag(20, WireType.Varint).int32(6);
    w.tag(7, WireType.LengthDelimited).fork();
    for (const x of a.floats) w.float(x);
    w.join();
  } else {
    w.tag(20, WireType.Varint).int32(4);
    w.tag(5, WireType.LengthDelimited).fork();
    writeTensor(w, a.t);
    w.join();
  }
}

function writeValueInfo(w: BinaryWriter, v: ValueSpec): void {
  w.tag(1, WireType.LengthDelimited).string(v.name);
  w.tag(2, WireType.LengthDelimited).fork(); // TypeProto
  w.tag(1, WireType.LengthDelimited).fork(); // tensor_type
  w.tag(1, WireType.Varint).int32(v.elemType ?? DT.FLOAT);
  if (v.shape) {
    w.tag(2, WireType.LengthDelimited).fork();
    for (const d of v.shape) {
      w.tag(1, WireType.LengthDelimited).fork();
      if (typeof d === 'number') w.tag(1, WireType.Varint).int64(d);
      else w.tag(2, WireType.LengthDelimited).string(d);
      w.join();
    }
    w.join();
  }
  w.join();
  w.join();
}

export function buildModel(m: ModelSpec): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).int64(m.irVersion ?? 8);
  w.tag(2, WireType.LengthDelimited).string('tfdoctor-test');
  w.tag(7, WireType.LengthDelimited).fork(); // graph
  m.nodes.forEach((n, k) => {
    w.tag(1, WireType.LengthDelimited).fork();
    for (const i of n.inputs) w.tag(1, WireType.LengthDelimited).string(i);
    for (const o of n.outputs) w.tag(2, WireType.LengthDelimited).string(o);
    w.tag(3, WireType.LengthDelimited).string(n.name ?? `${n.op}_${k}`);
    w.tag(4, WireType.LengthDelimited).string(n.op);
    if (n.domain) w.tag(7, WireType.LengthDelimited).string(n.domain);
    for (const [name, a] of Object.entries(n.attrs ?? {})) {
      w.tag(5, WireType.LengthDelimited).fork();
      writeAttr(w, name, a);
      w.join();
    }
    w.join();
  });
  w.tag(2, WireType.LengthDelimited).string('test_graph');
  for (const t of m.initializers ?? []) {
    w.tag(5, WireType.LengthDelimited).fork();
    writeTensor(w, t);
    w.join();
  }
  for (const v of m.inputs) { w.tag(11, WireType.LengthDelimited).fork(); writeValueInfo(w, v); w.join(); }
  for (const v of m.outputs) { w.tag(12, WireType.LengthDelimited).fork(); writeValueInfo(w, v); w.join(); }
  w.join();
  w.tag(8, WireType.LengthDelimited).fork();
  w.tag(2, WireType.Varint).int64(m.opset ?? 13);
  w.join();
  return w.finish();
}

/** Deterministic pseudo-random floats in [-1, 1) (not Math.random: tests must be repeatable). */
export function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

export function product(dims: number[]): number {
  return dims.reduce((p, v) => p * v, 1);
}

/** A float initializer of random values. */
export function weight(name: string, dims: number[], seed: number, scale = 0.5, encoding: Encoding = 'raw'): TensorSpec {
  return { name, dims, values: randomFloats(product(dims), seed, scale), encoding };
}

export function int64s(name: string, values: number[]): TensorSpec {
  return { name, dims: [values.length], dataType: DT.INT64, values, encoding: 'raw' };
}

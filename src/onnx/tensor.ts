/**
 * Decodes a TensorProto payload into numbers. Floats (FLOAT, FLOAT16, BFLOAT16) become a Float32Array,
 * DOUBLE a Float64Array, integers and bools a Float64Array of exact integers (int64 beyond 2^53 clamps,
 * which only happens for "to the end" sentinels like INT64_MAX).
 */
import { OnnxDataType, dataTypeName, type TensorProtoData } from './model.js';

/** Largest element count we accept for one tensor (2^31: TFLite buffers are int32-indexed). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export interface ConstTensor {
  dtype: number; // OnnxDataType
  shape: number[];
  data: Float32Array | Float64Array;
}

export class TensorDataError extends Error {}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new TensorDataError(`invalid dim ${d}`);
    n *= d;
    if (n > MAX_ELEMENTS) throw new TensorDataError(`tensor of shape [${shape.join(',')}] is too large`);
  }
  return n;
}

const BYTE_WIDTH: Record<number, number> = {
  [OnnxDataType.FLOAT]: 4, [OnnxDataType.UINT8]: 1, [OnnxDataType.INT8]: 1, [OnnxDataType.UINT16]: 2,
  [OnnxDataType.INT16]: 2, [OnnxDataType.INT32]: 4, [OnnxDataType.INT64]: 8, [OnnxDataType.BOOL]: 1,
  [OnnxDataType.FLOAT16]: 2, [OnnxDataType.DOUBLE]: 8, [OnnxDataType.UINT32]: 4, [OnnxDataType.UINT64]: 8,
  [OnnxDataType.BFLOAT16]: 2,
};

/** The integer element types a constant fold computes exactly (their values are doubles here, checked by each fold). */
export function isIntegerType(dtype: number): boolean {
  return dtype === OnnxDataType.INT8 || dtype === OnnxDataType.INT16 || dtype === OnnxDataType.INT32 || dtype === OnnxDataType.INT64 || dtype === OnnxDataType.UINT8;
}

/** int32 or int64: the integers a converted model computes with at run time (int32 in the .tflite) */
export function isRunTimeIntType(dtype: number): boolean {
  return dtype === OnnxDataType.INT32 || dtype === OnnxDataType.INT64;
}

export function isFloatType(dtype: number): boolean {
  return dtype === OnnxDataType.FLOAT || dtype === OnnxDataType.FLOAT16 || dtype === OnnxDataType.BFLOAT16 || dtype === OnnxDataType.DOUBLE;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function clampBig(b: bigint): number {
  if (b > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (b < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(b);
}

function allocFor(dtype: number, n: number): Float32Array | Float64Array {
  return dtype === OnnxDataType.FLOAT || dtype === OnnxDataType.FLOAT16 || dtype === OnnxDataType.BFLOAT16
    ? new Float32Array(n)
    : new Float64Array(n);
}

/** Reads little-endian raw bytes (at any byte offset) into numbers. */
export function decodeRaw(dtype: number, raw: Uint8Array, n: number, name: string): Float32Array | Float64Array {
  const width = BYTE_WIDTH[dtype];
  if (width === undefined) throw new TensorDataError(`tensor '${name}' has unsupported data type ${dataTypeName(dtype)}`);
  if (raw.byteLength !== n * width) {
    throw new TensorDataError(`tensor '${name}' has ${raw.byteLength} bytes of data, expected ${n * width}`);
  }
  if (LITTLE_ENDIAN_HOST && (dtype === OnnxDataType.FLOAT || dtype === OnnxDataType.DOUBLE)) {
    // raw_data often starts at an odd offset inside the file: then copy into a fresh (aligned) buffer
    const width = dtype === OnnxDataType.FLOAT ? 4 : 8;
    // (new Uint8Array(x) copies; Buffer.prototype.slice would not)
    const src = raw.byteOffset % width === 0 ? raw : new Uint8Array(raw);
    return dtype === OnnxDataType.FLOAT ? new Float32Array(src.buffer, src.byteOffset, n) : new Float64Array(src.buffer, src.byteOffset, n);
  }
  // a DataView reads at any alignment and in little-endian order on any host
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = allocFor(dtype, n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case OnnxDataType.FLOAT: out[i] = v.getFloat32(i * 4, true); break;
      case OnnxDataType.DOUBLE: out[i] = v.getFloat64(i * 8, true); break;
      case OnnxDataType.FLOAT16: out[i] = halfToFloat(v.getUint16(i * 2, true)); break;
      case OnnxDataType.BFLOAT16: {
        const tmp = new DataView(new ArrayBuffer(4));
        tmp.setUint32(0, v.getUint16(i * 2, true) << 16, true);
        out[i] = tmp.getFloat32(0, true);
        break;
      }
      case OnnxDataType.UINT8: case OnnxDataType.BOOL: out[i] = v.getUint8(i); break;
      case OnnxDataType.INT8: out[i] = v.getInt8(i); break;
      case OnnxDataType.UINT16: out[i] = v.getUint16(i * 2, true); break;
      case OnnxDataType.INT16: out[i] = v.getInt16(i * 2, true); break;
      case OnnxDataType.INT32: out[i] = v.getInt32(i * 4, true); break;
      case OnnxDataType.UINT32: out[i] = v.getUint32(i * 4, true); break;
      case OnnxDataType.INT64: out[i] = clampBig(v.getBigInt64(i * 8, true)); break;
      case OnnxDataType.UINT64: out[i] = clampBig(v.getBigUint64(i * 8, true)); break;
    }
  }
  return out;
}

/** The typed field (onnx.proto) that carries a tensor's values when it has no raw_data. */
function typedField(t: TensorProtoData): { field: string; values: readonly (number | bigint)[] } | undefined {
  const dt = t.dataType;
  if (dt === OnnxDataType.FLOAT || dt === OnnxDataType.COMPLEX64) return { field: 'float_data', values: t.floatData ?? [] };
  if (dt === OnnxDataType.DOUBLE) return { field: 'double_data', values: t.doubleData ?? [] };
  if (dt === OnnxDataType.INT64) return { field: 'int64_data', values: t.int64Data ?? [] };
  if (dt === OnnxDataType.UINT64 || dt === OnnxDataType.UINT32) return { field: 'uint64_data', values: t.uint64Data ?? [] };
  // 16-bit floats travel as their bit patterns in int32_data, like the small integer types
  if (BYTE_WIDTH[dt] !== undefined) return { field: 'int32_data', values: t.int32Data ?? [] };
  return undefined;
}

/**
 * Decodes the payload of a tensor whose external data (if any) was already loaded into `external`.
 */
export function decodeTensorData(t: TensorProtoData, external?: Uint8Array): ConstTensor {
  const n = elementCount(t.dims);
  const shape = [...t.dims];
  const dt = t.dataType;
  if (dt === OnnxDataType.STRING || t.stringCount) throw new TensorDataError(`tensor '${t.name}' holds strings, which TFLite conversion does not support`);
  const raw = external ?? t.raw;
  if (raw) return { dtype: dt, shape, data: decodeRaw(dt, raw, n, t.name) };
  const typed = typedField(t);
  if (!typed) throw new TensorDataError(`tensor '${t.name}' has unsupported data type ${dataTypeName(dt)}`);
  // the dims are only a claim: compare them with the values present before allocating for them
  if (typed.values.length !== n) throw new TensorDataError(`tensor '${t.name}' has ${typed.values.length} values in ${typed.field}, expected ${n}`);
  const out = allocFor(dt, n);
  const src = typed.values;
  if (dt === OnnxDataType.FLOAT16 || dt === OnnxDataType.BFLOAT16) {
    for (let i = 0; i < n; i++) {
      const bits = (src[i] as number) & 0xffff;
      if (dt === OnnxDataType.FLOAT16) out[i] = halfToFloat(bits);
      else out[i] = new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!;
    }
  } else if (typeof src[0] === 'bigint') {
    for (let i = 0; i < n; i++) out[i] = clampBig(src[i] as bigint);
  } else {
    out.set(src as readonly number[]);
  }
  return { dtype: dt, shape, data: out };
}

export function byteWidth(dtype: number): number | undefined {
  return BYTE_WIDTH[dtype];
}

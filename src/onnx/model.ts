/** Plain data decoded from an ONNX ModelProto (only what the converter reads). */

/** ONNX TensorProto.DataType values (onnx.proto). */
export const OnnxDataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
} as const;

export function dataTypeName(code: number): string {
  for (const [k, v] of Object.entries(OnnxDataType)) if (v === code) return k;
  return `dtype#${code}`;
}

/** AttributeProto.AttributeType values (onnx.proto). */
export const AttrType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9,
  GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

/** A tensor's payload as stored in the file, before decoding. */
export interface TensorProtoData {
  name: string;
  dims: number[];
  dataType: number;
  raw?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: bigint[];
  doubleData?: number[];
  uint64Data?: bigint[];
  stringCount?: number;
  external?: { location: string; offset: number; length?: number };
}

export type AttrValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: TensorProtoData }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'graph'; value: OnnxGraph }
  | { type: 'other'; code: number };

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, AttrValue>;
}

/** A dimension: a number, a symbolic name, or unknown. */
export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  name: string;
  elemType: number; // 0 if unknown / not a tensor
  shape: OnnxDim[] | null; // null: rank unknown
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: TensorProtoData[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  // value_info (shapes of intermediate values) is not read: every pass infers shapes itself
  sparseInitializers: number;
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: Map<string, number>; // domain ('' = ai.onnx) -> version
  graph: OnnxGraph;
  functions: number;
}

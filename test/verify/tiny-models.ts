/**
 * Tiny models in the real on-disk formats, written from format facts (ONNX protobuf field numbers,
 * TFLite flatbuffer slots, schema version 3): Y = X + B with X float32 [batch, 4] and B a constant.
 * The verifier's tests pair them to make a correct, a numerically wrong and a shape-broken conversion.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import * as flatbuffers from 'flatbuffers';

const FLOAT = 1; // onnx TensorProto.DataType.FLOAT

function valueInfo(w: BinaryWriter, field: number, name: string, dims: (number | string)[]): void {
  const shape = new BinaryWriter();
  for (const d of dims) {
    const dim = new BinaryWriter();
    if (typeof d === 'number') dim.uint32(8).int64(d); else dim.uint32(18).string(d);
    shape.uint32(10).bytes(dim.finish()); // TensorShapeProto.dim = 1
  }
  const tensorType = new BinaryWriter().uint32(8).int32(FLOAT).uint32(18).bytes(shape.finish()); // elem_type 1, shape 2
  const type = new BinaryWriter().uint32(10).bytes(tensorType.finish()); // TypeProto.tensor_type = 1
  const vi = new BinaryWriter().uint32(10).string(name).uint32(18).bytes(type.finish()); // name 1, type 2
  w.uint32((field << 3) | 2).bytes(vi.finish());
}

/** ONNX (IR 8, opset 13): Add(X, B) -> Y; X is [batch, 4] with batch symbolic unless a number is given. */
export function tinyAddOnnx(bias: readonly number[], batch: number | string = 'N'): Uint8Array {
  const raw = new Uint8Array(new Float32Array(bias).buffer);
  const init = new BinaryWriter().uint32(8).int64(bias.length).uint32(16).int32(FLOAT)
    .uint32(66).string('B').uint32(74).bytes(raw); // dims 1, data_type 2, name 8, raw_data 9
  const node = new BinaryWriter().uint32(10).string('X').uint32(10).string('B').uint32(18).string('Y')
    .uint32(26).string('add0').uint32(34).string('Add'); // input 1, output 2, name 3, op_type 4
  const graph = new BinaryWriter().uint32(10).bytes(node.finish()).uint32(18).string('tiny')
    .uint32(42).bytes(init.finish()); // node 1, name 2, initializer 5
  valueInfo(graph, 11, 'X', [batch, 4]);
  valueInfo(graph, 12, 'Y', [batch, 4]);
  const opset = new BinaryWriter().uint32(10).string('').uint32(16).int64(13);
  return new BinaryWriter().uint32(8).int64(8).uint32(58).bytes(graph.finish()).uint32(66).bytes(opset.finish()).finish();
}

/** TFLite: ADD(X [1,4], B constDims) -> Y [1,4] with a serving_default signature X -> Y. */
export function tinyAddTflite(bias: readonly number[], constDims: number[] = [bias.length]): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  const ivec = (xs: number[]) => { b.startVector(4, xs.length, 4); for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]!); return b.endVector(); };
  const ovec = (xs: flatbuffers.Offset[]) => { b.startVector(4, xs.length, 4); for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]!); return b.endVector(); };
  const tensor = (name: string, shape: number[], buffer: number) => {
    const n = b.createString(name); const s = ivec(shape);
    b.startObject(11); b.addFieldOffset(0, s, 0); b.addFieldInt8(1, 0, 0); b.addFieldInt32(2, buffer, 0); b.addFieldOffset(3, n, 0);
    return b.endObject();
  };
  const tensors = ovec([tensor('X', [1, 4], 0), tensor('B', constDims, 1), tensor('Y', [1, 4], 0)]);
  const opInputs = ivec([0, 1]); const opOutputs = ivec([2]);
  b.startObject(14); b.addFieldInt32(0, 0, 0); b.addFieldOffset(1, opInputs, 0); b.addFieldOffset(2, opOutputs, 0);
  const op = b.endObject();
  const operators = ovec([op]);
  const sgIn = ivec([0]); const sgOut = ivec([2]); const sgName = b.createString('main');
  b.startObject(6); b.addFieldOffset(0, tensors, 0); b.addFieldOffset(1, sgIn, 0); b.addFieldOffset(2, sgOut, 0);
  b.addFieldOffset(3, operators, 0); b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();
  // OperatorCode ADD = 0: deprecated_builtin_code 0, version 1, builtin_code 0 (all defaults)
  b.startObject(4); b.addFieldInt32(2, 1, 1); const opcode = b.endObject();
  const data = new Uint8Array(new Float32Array(bias).buffer);
  b.startVector(1, data.length, 16); for (let i = data.length - 1; i >= 0; i--) b.addInt8(data[i]!); const dataVec = b.endVector();
  b.startObject(3); const empty = b.endObject();
  b.startObject(3); b.addFieldOffset(0, dataVec, 0); const constBuf = b.endObject();
  const tmap = (name: string, idx: number) => { const n = b.createString(name); b.startObject(2); b.addFieldOffset(0, n, 0); b.addFieldInt32(1, idx, 0); return b.endObject(); };
  const sIn = ovec([tmap('X', 0)]); const sOut = ovec([tmap('Y', 2)]); const key = b.createString('serving_default');
  b.startObject(5); b.addFieldOffset(0, sIn, 0); b.addFieldOffset(1, sOut, 0); b.addFieldOffset(2, key, 0); b.addFieldInt32(4, 0, 0);
  const sig = b.endObject();
  const opcodes = ovec([opcode]); const subgraphs = ovec([subgraph]); const buffers = ovec([empty, constBuf]);
  const sigs = ovec([sig]); const desc = b.createString('tfdoctor verify test');
  b.startObject(10); b.addFieldInt32(0, 3, 0); b.addFieldOffset(1, opcodes, 0); b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, desc, 0); b.addFieldOffset(4, buffers, 0); b.addFieldOffset(7, sigs, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

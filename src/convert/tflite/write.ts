/** Serialises a TfliteGraph as a TFLite flatbuffer (schema version 3, identifier TFL3). */
import * as flatbuffers from 'flatbuffers';
import { UserError } from '../../util/errors.js';
import type { OptionValue, TfliteGraph, TfQuantization } from './model.js';
import { BuiltinOp, FILE_IDENTIFIER, OptionsTables, SCHEMA_VERSION, Slots, TensorType } from './schema.js';

type Builder = flatbuffers.Builder;
type Offset = flatbuffers.Offset;

/** A flatbuffer vector of `items` (written back to front, as the builder requires). */
function vector<T>(b: Builder, elementBytes: number, items: readonly T[], add: (item: T) => void): Offset {
  b.startVector(elementBytes, items.length, elementBytes);
  for (let i = items.length - 1; i >= 0; i--) add(items[i]!);
  return b.endVector();
}

const offsetVector = (b: Builder, items: Offset[]): Offset => vector(b, 4, items, (x) => b.addOffset(x));
const int32Vector = (b: Builder, items: number[]): Offset => vector(b, 4, items, (x) => b.addInt32(x));
const float32Vector = (b: Builder, items: number[]): Offset => vector(b, 4, items, (x) => b.addFloat32(x));
const int64Vector = (b: Builder, items: number[]): Offset => vector(b, 8, items, (x) => b.addInt64(BigInt(x)));

/** QuantizationParameters table (vectors first: a flatbuffer table cannot be open while they are built). */
function writeQuantization(b: Builder, q: TfQuantization): Offset {
  const S = Slots.QuantizationParameters;
  const min = q.min ? float32Vector(b, q.min) : 0;
  const max = q.max ? float32Vector(b, q.max) : 0;
  const scale = float32Vector(b, q.scale);
  const zeroPoint = int64Vector(b, q.zeroPoint);
  b.startObject(S.count);
  if (min) b.addFieldOffset(S.min, min, 0);
  if (max) b.addFieldOffset(S.max, max, 0);
  b.addFieldOffset(S.scale, scale, 0);
  b.addFieldOffset(S.zero_point, zeroPoint, 0);
  b.addFieldInt32(S.quantized_dimension, q.quantizedDimension ?? 0, 0);
  return b.endObject();
}

function writeOptions(b: Builder, table: keyof typeof OptionsTables, values: Record<string, OptionValue>): Offset {
  const spec = OptionsTables[table];
  const fields = spec.fields as Record<string, { slot: number; kind: string; default: number }>;
  const vectors = new Map<string, Offset>();
  for (const [name, value] of Object.entries(values)) {
    const f = fields[name];
    if (!f) throw new Error(`${table} has no field ${name}`);
    if (f.kind === 'i32vec') vectors.set(name, int32Vector(b, value as number[]));
  }
  b.startObject(spec.slots);
  for (const [name, value] of Object.entries(values)) {
    const f = fields[name]!;
    switch (f.kind) {
      case 'i8': b.addFieldInt8(f.slot, value as number, f.default); break;
      case 'i32': b.addFieldInt32(f.slot, value as number, f.default); break;
      case 'bool': b.addFieldInt8(f.slot, value ? 1 : 0, f.default); break;
      case 'f32': b.addFieldFloat32(f.slot, value as number, f.default); break;
      case 'i32vec': b.addFieldOffset(f.slot, vectors.get(name)!, 0); break;
    }
  }
  return b.endObject();
}

/** A flatbuffer addresses with signed 32-bit offsets; bigger models need external buffers (not written). */
const MAX_FLATBUFFER_BYTES = 2 ** 31 - 2 ** 26;
/** Constant data starts on 16-byte boundaries, so runtimes can map it without copying (TF's converter does the same). */
const DATA_ALIGNMENT = 16;

/**
 * A .tflite as the pieces it is written from, in file order: the flatbuffer's tables, then each
 * constant's length prefix (with its alignment padding) and its bytes, which are the graph's own
 * arrays (not copied). Joined, they are one flatbuffer; `writev` writes them without joining.
 */
export interface TfliteParts {
  parts: Uint8Array[];
  byteLength: number;
}

/**
 * Lays the model out as TensorFlow's converter does: tables first, constant data at the end. The
 * tables are built small (the builder never holds the constants): each Buffer's `data` vector is an
 * offset into the data region that follows the builder's output, whose layout is computed first.
 */
export function layoutTflite(g: TfliteGraph): TfliteParts {
  const total = g.tensors.reduce((s, t) => s + (t.data?.length ?? 0), 0);
  if (total > MAX_FLATBUFFER_BYTES) {
    throw new UserError(`the model's constants take ${total} bytes; a single TFLite flatbuffer holds under 2 GB and external buffers are not supported`);
  }
  // the data region: per constant, padding and a uint32 length, then the bytes at a 16-byte boundary
  // (the region starts at the end of the tables, whose length finish() makes a multiple of 16)
  const constants = g.tensors.filter((t) => t.data).map((t) => t.data!);
  const prefixes = new Uint8Array(constants.length * DATA_ALIGNMENT);
  const prefixView = new DataView(prefixes.buffer);
  const dataParts: Uint8Array[] = [];
  const vectorAt: number[] = []; // each length prefix's distance past the end of the tables
  let at = 0;
  constants.forEach((data, i) => {
    const pad = (DATA_ALIGNMENT - ((at + 4) % DATA_ALIGNMENT)) % DATA_ALIGNMENT;
    const prefix = prefixes.subarray(i * DATA_ALIGNMENT, i * DATA_ALIGNMENT + pad + 4);
    prefixView.setUint32(i * DATA_ALIGNMENT + pad, data.length, true);
    vectorAt.push(at + pad);
    dataParts.push(prefix, data);
    at += pad + 4 + data.length;
  });

  const b = new flatbuffers.Builder(4096 + 256 * (g.tensors.length + g.operators.length));
  // every table offset is then 16-aligned from the end, so the tables' total length is a multiple of 16
  b.prep(DATA_ALIGNMENT, 0);

  // buffers: [0] is the empty sentinel, then one per constant tensor
  const bufferOffsets: Offset[] = [];
  b.startObject(Slots.Buffer.count);
  bufferOffsets.push(b.endObject());
  const tensorBuffer: number[] = [];
  for (const t of g.tensors) {
    if (t.data) {
      b.startObject(Slots.Buffer.count);
      // an offset counts back from the builder's end: the data region lies past it, at minus its distance
      // (never 0, the field's default: a length prefix lies at least 12 bytes in)
      b.addFieldOffset(Slots.Buffer.data, -vectorAt[bufferOffsets.length - 1]!, 0);
      bufferOffsets.push(b.endObject());
      tensorBuffer.push(bufferOffsets.length - 1);
    } else tensorBuffer.push(0);
  }

  const tensorOffsets = g.tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = int32Vector(b, t.shape);
    const quantization = t.quantization ? writeQuantization(b, t.quantization) : 0;
    b.startObject(Slots.Tensor.count);
    b.addFieldOffset(Slots.Tensor.shape, shape, 0);
    b.addFieldInt8(Slots.Tensor.type, TensorType[t.type], 0);
    b.addFieldInt32(Slots.Tensor.buffer, tensorBuffer[i]!, 0);
    b.addFieldOffset(Slots.Tensor.name, name, 0);
    if (quantization) b.addFieldOffset(Slots.Tensor.quantization, quantization, 0);
    return b.endObject();
  });

  // operator codes: one per (builtin, version)
  const codeIndex = new Map<string, number>();
  const codes: { code: number; version: number }[] = [];
  for (const op of g.operators) {
    const key = `${op.op}/${op.version ?? 1}`;
    if (!codeIndex.has(key)) {
      codeIndex.set(key, codes.length);
      codes.push({ code: BuiltinOp[op.op], version: op.version ?? 1 });
    }
  }
  const codeOffsets = codes.map(({ code, version }) => {
    b.startObject(Slots.OperatorCode.count);
    // readers take max(deprecated_builtin_code, builtin_code); codes > 127 use the placeholder
    b.addFieldInt8(Slots.OperatorCode.deprecated_builtin_code, Math.min(code, BuiltinOp.PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    b.addFieldInt32(Slots.OperatorCode.version, version, 1);
    b.addFieldInt32(Slots.OperatorCode.builtin_code, code, 0);
    return b.endObject();
  });

  const opOffsets = g.operators.map((op) => {
    const inputs = int32Vector(b, op.inputs);
    const outputs = int32Vector(b, op.outputs);
    const options = op.options ? writeOptions(b, op.options.table, op.options.values as Record<string, OptionValue>) : 0;
    b.startObject(Slots.Operator.count);
    b.addFieldInt32(Slots.Operator.opcode_index, codeIndex.get(`${op.op}/${op.version ?? 1}`)!, 0);
    b.addFieldOffset(Slots.Operator.inputs, inputs, 0);
    b.addFieldOffset(Slots.Operator.outputs, outputs, 0);
    if (op.options) {
      b.addFieldInt8(Slots.Operator.builtin_options_type, OptionsTables[op.options.table].unionType, 0);
      b.addFieldOffset(Slots.Operator.builtin_options, options, 0);
    }
    return b.endObject();
  });

  const sgTensors = offsetVector(b, tensorOffsets);
  const sgInputs = int32Vector(b, g.inputs);
  const sgOutputs = int32Vector(b, g.outputs);
  const sgOps = offsetVector(b, opOffsets);
  const sgName = b.createString('main');
  b.startObject(Slots.SubGraph.count);
  b.addFieldOffset(Slots.SubGraph.tensors, sgTensors, 0);
  b.addFieldOffset(Slots.SubGraph.inputs, sgInputs, 0);
  b.addFieldOffset(Slots.SubGraph.outputs, sgOutputs, 0);
  b.addFieldOffset(Slots.SubGraph.operators, sgOps, 0);
  b.addFieldOffset(Slots.SubGraph.name, sgName, 0);
  const subgraph = b.endObject();

  const tensorMaps = (entries: { name: string; tensor: number }[]): Offset =>
    offsetVector(
      b,
      entries.map((e) => {
        const name = b.createString(e.name);
        b.startObject(Slots.TensorMap.count);
        b.addFieldOffset(Slots.TensorMap.name, name, 0);
        b.addFieldInt32(Slots.TensorMap.tensor_index, e.tensor, 0);
        return b.endObject();
      }),
    );
  const sigIn = tensorMaps(g.signatureInputs);
  const sigOut = tensorMaps(g.signatureOutputs);
  const sigKey = b.createString('serving_default');
  b.startObject(Slots.SignatureDef.count);
  b.addFieldOffset(Slots.SignatureDef.inputs, sigIn, 0);
  b.addFieldOffset(Slots.SignatureDef.outputs, sigOut, 0);
  b.addFieldOffset(Slots.SignatureDef.signature_key, sigKey, 0);
  b.addFieldInt32(Slots.SignatureDef.subgraph_index, 0, 0);
  const signature = b.endObject();

  const opCodesVec = offsetVector(b, codeOffsets);
  const subgraphsVec = offsetVector(b, [subgraph]);
  const description = b.createString(g.description);
  const buffersVec = offsetVector(b, bufferOffsets);
  const signaturesVec = offsetVector(b, [signature]);
  b.startObject(Slots.Model.count);
  b.addFieldInt32(Slots.Model.version, SCHEMA_VERSION, 0);
  b.addFieldOffset(Slots.Model.operator_codes, opCodesVec, 0);
  b.addFieldOffset(Slots.Model.subgraphs, subgraphsVec, 0);
  b.addFieldOffset(Slots.Model.description, description, 0);
  b.addFieldOffset(Slots.Model.buffers, buffersVec, 0);
  b.addFieldOffset(Slots.Model.signature_defs, signaturesVec, 0);
  const model = b.endObject();
  b.finish(model, FILE_IDENTIFIER);
  const tables = b.asUint8Array();
  if (tables.length % DATA_ALIGNMENT !== 0) throw new Error(`internal: the tables take ${tables.length} bytes, not a multiple of ${DATA_ALIGNMENT}`);
  return { parts: [tables, ...dataParts], byteLength: tables.length + at };
}

/** The pieces joined into one buffer (for callers that need the bytes in memory). */
export function joinParts(file: TfliteParts): Uint8Array {
  if (file.parts.length === 1) return file.parts[0]!;
  const out = new Uint8Array(file.byteLength);
  let at = 0;
  for (const p of file.parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Serialises the model into one buffer. */
export function writeTflite(g: TfliteGraph): Uint8Array {
  return joinParts(layoutTflite(g));
}

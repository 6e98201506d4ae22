/** Serialises a TfliteGraph as a TFLite flatbuffer (schema version 3, identifier TFL3). */
import { UserError } from '../../util/errors.js';
import type { OptionValue, TfliteGraph, TfQuantization } from './model.js';
import { FlatbufferBuilder as Builder, type Offset } from './flatbuffer-builder.js';
import { assignOpVersions } from './op-version.js';
import { BuiltinOp, FILE_IDENTIFIER, OptionsTables, SCHEMA_VERSION, Slots, TensorType } from './schema.js';

/** QuantizationParameters table (vectors first: a flatbuffer table cannot be open while they are built). */
function writeQuantization(b: Builder, q: TfQuantization): Offset {
  const S = Slots.QuantizationParameters;
  const min = q.min ? b.float32Vector(q.min) : 0;
  const max = q.max ? b.float32Vector(q.max) : 0;
  const scale = b.float32Vector(q.scale);
  const zeroPoint = b.int64Vector(q.zeroPoint);
  b.startTable(S.count);
  b.offsetField(S.min, min);
  b.offsetField(S.max, max);
  b.offsetField(S.scale, scale);
  b.offsetField(S.zero_point, zeroPoint);
  b.int32Field(S.quantized_dimension, q.quantizedDimension ?? 0, 0);
  return b.endTable();
}

function writeOptions(b: Builder, table: keyof typeof OptionsTables, values: Record<string, OptionValue>): Offset {
  const spec = OptionsTables[table];
  const fields = spec.fields as Record<string, { slot: number; kind: string; default: number }>;
  const vectors = new Map<string, Offset>();
  for (const [name, value] of Object.entries(values)) {
    const f = fields[name];
    if (!f) throw new Error(`${table} has no field ${name}`);
    if (f.kind === 'i32vec') vectors.set(name, b.int32Vector(value as number[]));
  }
  b.startTable(spec.slots);
  for (const [name, value] of Object.entries(values)) {
    const f = fields[name]!;
    switch (f.kind) {
      case 'i8': b.int8Field(f.slot, value as number, f.default); break;
      case 'i32': b.int32Field(f.slot, value as number, f.default); break;
      case 'bool': b.int8Field(f.slot, value ? 1 : 0, f.default); break;
      case 'f32': b.float32Field(f.slot, value as number, f.default); break;
      case 'i32vec': b.offsetField(f.slot, vectors.get(name)!); break;
    }
  }
  return b.endTable();
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

  const b = new Builder(4096 + 256 * (g.tensors.length + g.operators.length));
  // every table offset is then 16-aligned from the end, so the tables' total length is a multiple of 16
  b.prep(DATA_ALIGNMENT, 0);

  // buffers: [0] is the empty sentinel, then one per constant tensor
  const bufferOffsets: Offset[] = [];
  b.startTable(Slots.Buffer.count);
  bufferOffsets.push(b.endTable());
  const tensorBuffer: number[] = [];
  for (const t of g.tensors) {
    if (t.data) {
      b.startTable(Slots.Buffer.count);
      // an offset counts back from the builder's end: the data region lies past it, at minus its distance
      // (never 0, the field's default: a length prefix lies at least 12 bytes in)
      b.offsetField(Slots.Buffer.data, -vectorAt[bufferOffsets.length - 1]!);
      bufferOffsets.push(b.endTable());
      tensorBuffer.push(bufferOffsets.length - 1);
    } else tensorBuffer.push(0);
  }

  const tensorOffsets = g.tensors.map((t, i) => {
    const name = b.string(t.name);
    const shape = b.int32Vector(t.shape);
    const quantization = t.quantization ? writeQuantization(b, t.quantization) : 0;
    b.startTable(Slots.Tensor.count);
    b.offsetField(Slots.Tensor.shape, shape);
    b.int8Field(Slots.Tensor.type, TensorType[t.type], 0);
    b.int32Field(Slots.Tensor.buffer, tensorBuffer[i]!, 0);
    b.offsetField(Slots.Tensor.name, name);
    b.offsetField(Slots.Tensor.quantization, quantization);
    return b.endTable();
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
    b.startTable(Slots.OperatorCode.count);
    // readers take max(deprecated_builtin_code, builtin_code); codes > 127 use the placeholder
    b.int8Field(Slots.OperatorCode.deprecated_builtin_code, Math.min(code, BuiltinOp.PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    b.int32Field(Slots.OperatorCode.version, version, 1);
    b.int32Field(Slots.OperatorCode.builtin_code, code, 0);
    return b.endTable();
  });

  const opOffsets = g.operators.map((op) => {
    const inputs = b.int32Vector(op.inputs);
    const outputs = b.int32Vector(op.outputs);
    const options = op.options ? writeOptions(b, op.options.table, op.options.values as Record<string, OptionValue>) : 0;
    b.startTable(Slots.Operator.count);
    b.int32Field(Slots.Operator.opcode_index, codeIndex.get(`${op.op}/${op.version ?? 1}`)!, 0);
    b.offsetField(Slots.Operator.inputs, inputs);
    b.offsetField(Slots.Operator.outputs, outputs);
    if (op.options) {
      b.int8Field(Slots.Operator.builtin_options_type, OptionsTables[op.options.table].unionType, 0);
      b.offsetField(Slots.Operator.builtin_options, options);
    }
    return b.endTable();
  });

  const sgTensors = b.offsetVector(tensorOffsets);
  const sgInputs = b.int32Vector(g.inputs);
  const sgOutputs = b.int32Vector(g.outputs);
  const sgOps = b.offsetVector(opOffsets);
  const sgName = b.string('main');
  b.startTable(Slots.SubGraph.count);
  b.offsetField(Slots.SubGraph.tensors, sgTensors);
  b.offsetField(Slots.SubGraph.inputs, sgInputs);
  b.offsetField(Slots.SubGraph.outputs, sgOutputs);
  b.offsetField(Slots.SubGraph.operators, sgOps);
  b.offsetField(Slots.SubGraph.name, sgName);
  const subgraph = b.endTable();

  const tensorMaps = (entries: { name: string; tensor: number }[]): Offset =>
    b.offsetVector(entries.map((e) => {
      const name = b.string(e.name);
      b.startTable(Slots.TensorMap.count);
      b.offsetField(Slots.TensorMap.name, name);
      b.int32Field(Slots.TensorMap.tensor_index, e.tensor, 0);
      return b.endTable();
    }));
  const sigIn = tensorMaps(g.signatureInputs);
  const sigOut = tensorMaps(g.signatureOutputs);
  const sigKey = b.string('serving_default');
  b.startTable(Slots.SignatureDef.count);
  b.offsetField(Slots.SignatureDef.inputs, sigIn);
  b.offsetField(Slots.SignatureDef.outputs, sigOut);
  b.offsetField(Slots.SignatureDef.signature_key, sigKey);
  b.int32Field(Slots.SignatureDef.subgraph_index, 0, 0);
  const signature = b.endTable();

  const opCodesVec = b.offsetVector(codeOffsets);
  const subgraphsVec = b.offsetVector([subgraph]);
  const description = b.string(g.description);
  const buffersVec = b.offsetVector(bufferOffsets);
  const signaturesVec = b.offsetVector([signature]);
  b.startTable(Slots.Model.count);
  b.int32Field(Slots.Model.version, SCHEMA_VERSION, 0);
  b.offsetField(Slots.Model.operator_codes, opCodesVec);
  b.offsetField(Slots.Model.subgraphs, subgraphsVec);
  b.offsetField(Slots.Model.description, description);
  b.offsetField(Slots.Model.buffers, buffersVec);
  b.offsetField(Slots.Model.signature_defs, signaturesVec);
  const model = b.endTable();
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

/**
 * `g` as a file a runtime loads: its operators' versions set from the graph as it is (op-version.ts; some
 * builtins, e.g. BROADCAST_TO, start above version 1 and LiteRT refuses them at 1), then written. Sets
 * `g`'s operator versions and changes nothing else.
 */
export function writeVersionedTflite(g: TfliteGraph): Uint8Array {
  assignOpVersions(g);
  return writeTflite(g);
}

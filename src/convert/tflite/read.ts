/** A small TFLite flatbuffer reader: enough to inspect what the writer produced (tests, summaries). */
import { BuiltinOp, OptionsTables, Slots, TensorType } from './schema.js';

export interface ReadQuantization { scale: number[]; zeroPoint: number[]; quantizedDimension: number; min?: number[]; max?: number[] }
export interface ReadTensor { name: string; shape: number[]; type: string; bytes: number; data?: Uint8Array; quantization?: ReadQuantization }
export interface ReadOperator { op: string; version: number; inputs: number[]; outputs: number[]; optionsType: string | undefined; options: Record<string, number | number[]> }
export interface ReadModel {
  version: number;
  identifier: string;
  tensors: ReadTensor[];
  operators: ReadOperator[];
  inputs: number[];
  outputs: number[];
  buffers: number;
  description: string;
  /** what the file holds that this reader does not represent ("Model.metadata", "2 subgraphs", ...) */
  foreign: string[];
  signature?: { key: string; inputs: { name: string; tensor: number }[]; outputs: { name: string; tensor: number }[] };
}

/** Little-endian reads and the flatbuffer offset rules (vtables, indirections, vectors, strings) over the file. */
class FlatBytes {
  private readonly view: DataView;
  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  bytes(): Uint8Array { return this.data; }
  readInt8(at: number): number { return this.view.getInt8(at); }
  readUint8(at: number): number { return this.view.getUint8(at); }
  readUint16(at: number): number { return this.view.getUint16(at, true); }
  readInt32(at: number): number { return this.view.getInt32(at, true); }
  readFloat32(at: number): number { return this.view.getFloat32(at, true); }
  readInt64(at: number): bigint { return this.view.getBigInt64(at, true); }
  /** a field's offset within its table, 0 when the vtable leaves it out */
  __offset(table: number, vtableOffset: number): number {
    const vtable = table - this.readInt32(table);
    return vtableOffset < this.readUint16(vtable) ? this.readUint16(vtable + vtableOffset) : 0;
  }
  __indirect(at: number): number { return at + this.readInt32(at); }
  __vector(at: number): number { return at + this.readInt32(at) + 4; }
  __vector_len(at: number): number { return this.readInt32(at + this.readInt32(at)); }
  __string(at: number): string {
    const start = at + this.readInt32(at);
    return new TextDecoder().decode(this.data.subarray(start + 4, start + 4 + this.readInt32(start)));
  }
}

class Table {
  constructor(readonly bb: FlatBytes, readonly pos: number) {}
  private off(slot: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * slot);
  }
  has(slot: number): boolean { return this.off(slot) !== 0; }
  int8(slot: number, d = 0): number { const o = this.off(slot); return o ? this.bb.readInt8(this.pos + o) : d; }
  uint8(slot: number, d = 0): number { const o = this.off(slot); return o ? this.bb.readUint8(this.pos + o) : d; }
  int32(slot: number, d = 0): number { const o = this.off(slot); return o ? this.bb.readInt32(this.pos + o) : d; }
  float32(slot: number, d = 0): number { const o = this.off(slot); return o ? this.bb.readFloat32(this.pos + o) : d; }
  string(slot: number): string { const o = this.off(slot); return o ? this.bb.__string(this.pos + o) : ''; }
  table(slot: number): Table | undefined { const o = this.off(slot); return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : undefined; }
  vecLen(slot: number): number { const o = this.off(slot); return o ? this.bb.__vector_len(this.pos + o) : 0; }
  int32s(slot: number): number[] {
    const o = this.off(slot);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    const n = this.bb.__vector_len(this.pos + o);
    return Array.from({ length: n }, (_, i) => this.bb.readInt32(start + 4 * i));
  }
  float32s(slot: number): number[] {
    const o = this.off(slot);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    return Array.from({ length: this.bb.__vector_len(this.pos + o) }, (_, i) => this.bb.readFloat32(start + 4 * i));
  }
  int64s(slot: number): number[] {
    const o = this.off(slot);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    return Array.from({ length: this.bb.__vector_len(this.pos + o) }, (_, i) => Number(this.bb.readInt64(start + 8 * i)));
  }
  bytes(slot: number): Uint8Array | undefined {
    const o = this.off(slot);
    if (!o) return undefined;
    const start = this.bb.__vector(this.pos + o);
    return this.bb.bytes().subarray(start, start + this.bb.__vector_len(this.pos + o));
  }
  /** the slots this table's vtable gives a value */
  presentSlots(): number[] {
    const vtable = this.pos - this.bb.readInt32(this.pos);
    const fields = (this.bb.readUint16(vtable) - 4) >> 1;
    const out: number[] = [];
    for (let i = 0; i < fields; i++) if (this.bb.readUint16(vtable + 4 + 2 * i) !== 0) out.push(i);
    return out;
  }
  tables(slot: number): Table[] {
    const o = this.off(slot);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    const n = this.bb.__vector_len(this.pos + o);
    return Array.from({ length: n }, (_, i) => new Table(this.bb, this.bb.__indirect(start + 4 * i)));
  }
}

const opNames = new Map<number, string>(Object.entries(BuiltinOp).map(([k, v]) => [v, k]));
const typeNames = new Map<number, string>(Object.entries(TensorType).map(([k, v]) => [v, k]));
/** A tensor's QuantizationParameters; absent when there are none or they carry no scale. */
function readQuantization(t: Table): ReadQuantization | undefined {
  const q = t.table(Slots.Tensor.quantization);
  if (!q) return undefined;
  const S = Slots.QuantizationParameters;
  const scale = q.float32s(S.scale);
  const min = q.float32s(S.min);
  const max = q.float32s(S.max);
  if (!scale.length && !min.length) return undefined;
  return {
    scale,
    zeroPoint: q.int64s(S.zero_point),
    quantizedDimension: q.int32(S.quantized_dimension),
    ...(min.length ? { min } : {}),
    ...(max.length ? { max } : {}),
  };
}

/** Fields the reader represents, per table kind (OperatorCode.custom_code is in Slots but not read). */
const READ_FIELDS: Record<string, readonly number[]> = {
  Model: [0, 1, 2, 3, 4, 7],
  SubGraph: [0, 1, 2, 3, 4],
  Tensor: [0, 1, 2, 3, 4],
  QuantizationParameters: [0, 1, 2, 3, 6],
  Operator: [0, 1, 2, 3, 4],
  OperatorCode: [0, 2, 3],
  Buffer: [0],
};
/** schema.fbs names of the fields the writer never writes, for saying what a file holds */
const UNREAD_FIELDS: Record<string, Record<number, string>> = {
  Model: { 5: 'metadata_buffer', 6: 'metadata' },
  Tensor: { 5: 'is_variable', 6: 'sparsity', 7: 'shape_signature', 8: 'has_rank', 9: 'variant_tensors' },
  QuantizationParameters: { 4: 'details_type', 5: 'details' },
  Operator: { 5: 'custom_options', 6: 'custom_options_format', 7: 'mutating_variable_inputs', 8: 'intermediates' },
  Buffer: { 1: 'offset', 2: 'size' },
};
const FIELD_NAMES = new Map<string, string>([
  ...Object.entries(Slots).flatMap(([kind, slots]) => Object.entries(slots).filter(([k]) => k !== 'count').map(([k, v]) => [`${kind}.${v}`, `${kind}.${k}`] as const)),
  ...Object.entries(UNREAD_FIELDS).flatMap(([kind, fields]) => Object.entries(fields).map(([slot, k]) => [`${kind}.${slot}`, `${kind}.${k}`] as const)),
]);

/** Adds to `foreign` each field of `t` outside READ_FIELDS[kind] (once per field name). */
function noteForeign(t: Table, kind: string, foreign: Set<string>): void {
  const known = READ_FIELDS[kind]!;
  for (const slot of t.presentSlots()) if (!known.includes(slot)) foreign.add(FIELD_NAMES.get(`${kind}.${slot}`) ?? `${kind} field ${slot}`);
}

const optionTables = new Map(Object.entries(OptionsTables).map(([k, v]) => [v.unionType as number, [k, v] as const]));

export function readTflite(bytes: Uint8Array): ReadModel {
  const bb = new FlatBytes(bytes);
  const identifier = new TextDecoder().decode(bytes.subarray(4, 8));
  const model = new Table(bb, bb.readInt32(0));
  const foreign = new Set<string>();
  noteForeign(model, 'Model', foreign);
  const buffers = model.tables(Slots.Model.buffers);
  for (const b of buffers) noteForeign(b, 'Buffer', foreign);
  const codes = model.tables(Slots.Model.operator_codes).map((c) => (noteForeign(c, 'OperatorCode', foreign), {
    code: Math.max(c.int8(Slots.OperatorCode.deprecated_builtin_code), c.int32(Slots.OperatorCode.builtin_code)),
    version: c.int32(Slots.OperatorCode.version, 1),
  }));
  const subgraphs = model.tables(Slots.Model.subgraphs);
  if (subgraphs.length !== 1) foreign.add(`${subgraphs.length} subgraphs`);
  const sg = subgraphs[0]!;
  noteForeign(sg, 'SubGraph', foreign);
  const tensors = sg.tables(Slots.SubGraph.tensors).map((t) => {
    const bufIdx = t.int32(Slots.Tensor.buffer);
    const data = bufIdx ? buffers[bufIdx]?.bytes(Slots.Buffer.data) : undefined;
    const quantization = readQuantization(t);
    noteForeign(t, 'Tensor', foreign);
    const q = t.table(Slots.Tensor.quantization);
    if (q) noteForeign(q, 'QuantizationParameters', foreign);
    return {
      name: t.string(Slots.Tensor.name),
      shape: t.int32s(Slots.Tensor.shape),
      type: typeNames.get(t.int8(Slots.Tensor.type)) ?? String(t.int8(Slots.Tensor.type)),
      bytes: data?.length ?? 0,
      ...(data ? { data } : {}),
      ...(quantization ? { quantization } : {}),
    };
  });
  const operators = sg.tables(Slots.SubGraph.operators).map((o) => {
    const code = codes[o.int32(Slots.Operator.opcode_index)]!;
    noteForeign(o, 'Operator', foreign);
    const optType = o.uint8(Slots.Operator.builtin_options_type);
    const options: Record<string, number | number[]> = {};
    const spec = optionTables.get(optType);
    const optTable = o.table(Slots.Operator.builtin_options);
    if (spec && optTable) {
      for (const [name, f] of Object.entries(spec[1].fields as Record<string, { slot: number; kind: string; default: number }>)) {
        if (f.kind === 'i32vec') options[name] = optTable.int32s(f.slot);
        else if (f.kind === 'i32') options[name] = optTable.int32(f.slot, f.default);
        else if (f.kind === 'f32') options[name] = optTable.float32(f.slot, f.default);
        else options[name] = optTable.int8(f.slot, f.default);
      }
    }
    return {
      op: opNames.get(code.code) ?? String(code.code),
      version: code.version,
      inputs: o.int32s(Slots.Operator.inputs),
      outputs: o.int32s(Slots.Operator.outputs),
      optionsType: spec?.[0],
      options,
    };
  });
  const sigs = model.tables(Slots.Model.signature_defs);
  if (sigs.length > 1) foreign.add(`${sigs.length} signatures`);
  const sig = sigs[0];
  const maps = (t: Table, slot: number) =>
    t.tables(slot).map((m) => ({ name: m.string(Slots.TensorMap.name), tensor: m.int32(Slots.TensorMap.tensor_index) }));
  return {
    version: model.int32(Slots.Model.version),
    identifier,
    tensors,
    operators,
    inputs: sg.int32s(Slots.SubGraph.inputs),
    outputs: sg.int32s(Slots.SubGraph.outputs),
    buffers: buffers.length,
    description: model.string(Slots.Model.description),
    foreign: [...foreign],
    ...(sig ? { signature: { key: sig.string(Slots.SignatureDef.signature_key), inputs: maps(sig, Slots.SignatureDef.inputs), outputs: maps(sig, Slots.SignatureDef.outputs) } } : {}),
  };
}

/** A small TFLite flatbuffer reader: enough to inspect what the writer produced (tests, summaries). */
import * as flatbuffers from 'flatbuffers';
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
  signature?: { key: string; inputs: { name: string; tensor: number }[]; outputs: { name: string; tensor: number }[] };
}

class Table {
  constructor(readonly bb: flatbuffers.ByteBuffer, readonly pos: number) {}
  private off(slot: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * slot);
  }
  has(slot: number): boolean { return this.off(slot) !== 0; }
  int8(slot: number, d = 0): number { const o = this.off(slot); return o ? this.bb.readInt8(this.pos + o) : d; }
  uint8(slot: number, d = 0): number { const o = this.off(slot); return o ? this.bb.readUint8(this.pos + o) : d; }
  int32(slot: number, d = 0): number { const o = this.off(slot); return o ? this.bb.readInt32(this.pos + o) : d; }
  float32(slot: number, d = 0): number { const o = this.off(slot); return o ? this.bb.readFloat32(this.pos + o) : d; }
  string(slot: number): string { const o = this.off(slot); return o ? (this.bb.__string(this.pos + o) as string) : ''; }
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

const optionTables = new Map(Object.entries(OptionsTables).map(([k, v]) => [v.unionType as number, [k, v] as const]));

export function readTflite(bytes: Uint8Array): ReadModel {
  const bb = new flatbuffers.ByteBuffer(bytes);
  const identifier = new TextDecoder().decode(bytes.subarray(4, 8));
  const model = new Table(bb, bb.readInt32(bb.position()) + bb.position());
  const buffers = model.tables(Slots.Model.buffers);
  const codes = model.tables(Slots.Model.operator_codes).map((c) => ({
    code: Math.max(c.int8(Slots.OperatorCode.deprecated_builtin_code), c.int32(Slots.OperatorCode.builtin_code)),
    version: c.int32(Slots.OperatorCode.version, 1),
  }));
  const sg = model.tables(Slots.Model.subgraphs)[0]!;
  const tensors = sg.tables(Slots.SubGraph.tensors).map((t) => {
    const bufIdx = t.int32(Slots.Tensor.buffer);
    const data = bufIdx ? buffers[bufIdx]?.bytes(Slots.Buffer.data) : undefined;
    const quantization = readQuantization(t);
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
  const sig = model.tables(Slots.Model.signature_defs)[0];
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
    ...(sig ? { signature: { key: sig.string(Slots.SignatureDef.signature_key), inputs: maps(sig, Slots.SignatureDef.inputs), outputs: maps(sig, Slots.SignatureDef.outputs) } } : {}),
  };
}
